using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace Edge.Cloud.Mqtt;

/// <summary>
/// Gives MQTTnet's client a <see cref="CoalescingChannel"/> over its own TCP (and TLS) channel, built as MQTTnet's
/// default factory builds it, inside a <see cref="PublishLane"/>. Channels other than TCP (WebSocket) keep MQTTnet's
/// own adapter.
/// </summary>
/// <param name="created">Told of each connection's lane as the client connects (null for a connection without one).</param>
public sealed class CoalescingAdapterFactory(Action<PublishLane?>? created = null) : IMqttClientAdapterFactory
{
    private readonly MqttClientAdapterFactory _default = new();

    /// <inheritdoc />
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions)
        {
            created?.Invoke(null); // this connection has no lane: the last one's must not be used
            return _default.CreateClientAdapter(options, packetInspector, logger);
        }

        var channel = new CoalescingChannel(new MqttTcpChannel(options));
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        var adapter = new MqttChannelAdapter(channel, formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
        var lane = new PublishLane(adapter, channel, options.ProtocolVersion);
        created?.Invoke(lane);
        return lane;
    }
}

/// <summary>
/// An MQTT channel that sends the packets written while a send is on its way in one socket write, and reads the
/// socket in 64 KiB chunks.
/// </summary>
/// <remarks>
/// <para>
/// MQTTnet writes each PUBLISH as two socket writes (header, then payload) and reads each PUBACK in two small reads:
/// about four system calls per message, most of the client's CPU in a drain (45 µs a message on the development
/// machine, against 5-9 µs through this channel). Here a write is copied into a pending buffer and, at the end of a
/// packet, one flush is queued to the thread pool; packets written until it runs go out with it, and those written
/// while it sends go out in the next. Nothing waits on a timer: a lone packet leaves at the next thread-pool turn.
/// </para>
/// <para>
/// A written packet has been handed over, not sent: delivery is still confirmed by the broker's acknowledgement, as it
/// is without this channel. Order is kept. Once 256 KiB wait, a writer waits until they are sent (a broker that stops
/// reading holds the client's writers, not memory). A failed send faults the channel: later writes throw, and the
/// inner channel is disposed, so MQTTnet's read loop ends and the client disconnects. Disposing cancels a send that
/// the socket holds (a broker that never reads).
/// </para>
/// </remarks>
public sealed class CoalescingChannel : IMqttChannel
{
    /// <summary>Bytes waiting beyond which a writer waits for the send.</summary>
    public const int HighWater = 256 * 1024;

    private const int ReadChunk = 64 * 1024;
    private readonly IMqttChannel _inner;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly byte[] _read = new byte[ReadChunk];
    private ArrayBufferWriter<byte> _pending = new(16 * 1024);
    private ArrayBufferWriter<byte> _sending = new(16 * 1024);
    private readonly ArrayBufferWriter<byte> _deferred = new(1024);
    private bool _midPacket;
    private bool _flushing;
    private Exception? _fault;
    private TaskCompletionSource? _drained;
    private int _readStart;
    private int _readEnd;
    private long _sends;
    private long _packets;

    /// <summary>Wraps <paramref name="inner"/>, which this channel owns from now on.</summary>
    public CoalescingChannel(IMqttChannel inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;

    /// <inheritdoc />
    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;

    /// <inheritdoc />
    public EndPoint LocalEndPoint => _inner.LocalEndPoint;

    /// <inheritdoc />
    public bool IsSecureConnection => _inner.IsSecureConnection;

    /// <summary>Socket writes made so far.</summary>
    public long Sends => Interlocked.Read(ref _sends);

    /// <summary>Packets written so far (each sent in one of <see cref="Sends"/>).</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <inheritdoc />
    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    /// <summary>Sends what is waiting (the DISCONNECT packet among it), then closes the inner channel.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Task? sent;
        lock (_gate)
        {
            sent = _flushing ? Drained() : null;
        }

        if (sent != null)
        {
            try
            {
                await sent.WaitAsync(cancellationToken);
            }
            catch (Exception) when (_fault != null)
            {
                // The send failed: the connection is gone already, so closing it is all that is left.
            }
        }

        await _inner.DisconnectAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _closing.Cancel();
        _inner.Dispose();
        _closing.Dispose();
    }

    /// <inheritdoc />
    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_readStart == _readEnd)
        {
            if (count >= ReadChunk)
            {
                // A large packet's body: straight into MQTTnet's buffer, no copy.
                return await _inner.ReadAsync(buffer, offset, count, cancellationToken);
            }

            int n = await _inner.ReadAsync(_read, 0, ReadChunk, cancellationToken);
            if (n == 0)
            {
                return 0;
            }

            _readStart = 0;
            _readEnd = n;
        }

        int take = Math.Min(count, _readEnd - _readStart);
        Buffer.BlockCopy(_read, _readStart, buffer, offset, take);
        _readStart += take;
        return take;
    }

    /// <summary>
    /// Takes the next packet when it is a PUBACK of four bytes (no reason code: success) and already read: its
    /// identifier. The reader's shortcut past MQTTnet's decoder; only the one reader may call it, between packets.
    /// </summary>
    internal bool TryTakeShortPubAck(out ushort id)
    {
        if (_readEnd - _readStart >= 4 && _read[_readStart] == 0x40 && _read[_readStart + 1] == 0x02)
        {
            id = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_read.AsSpan(_readStart + 2));
            _readStart += 4;
            return true;
        }

        id = 0;
        return false;
    }

    /// <inheritdoc />
    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        bool flush;
        Task written;
        lock (_gate)
        {
            if (_fault != null)
            {
                return Task.FromException(new MQTTnet.Exceptions.MqttCommunicationException(_fault));
            }

            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                _pending.Write(segment.Span);
            }

            if (!isEndOfPacket)
            {
                _midPacket = true;
                return Task.CompletedTask;
            }

            _midPacket = false;
            if (_deferred.WrittenCount > 0)
            {
                // Packets composed while this one was half written follow it.
                _pending.Write(_deferred.WrittenSpan);
                _deferred.ResetWrittenCount();
            }

            written = EndPacket(cancellationToken, out flush);
        }

        return StartFlush(flush, written);
    }

    /// <summary>
    /// Writes one whole packet of <paramref name="length"/> bytes, composed by <paramref name="compose"/> straight into
    /// the pending buffer: the same ordering, coalescing and high-water wait as a packet MQTTnet writes. A packet
    /// MQTTnet is half way through writing (header written, payload not yet) is not split: this one follows it.
    /// </summary>
    public Task WritePacket<TState>(int length, TState state, SpanAction<byte, TState> compose)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(compose);
        bool flush;
        Task written;
        lock (_gate)
        {
            if (_fault != null)
            {
                return Task.FromException(new MQTTnet.Exceptions.MqttCommunicationException(_fault));
            }

            ArrayBufferWriter<byte> target = _midPacket ? _deferred : _pending;
            compose(target.GetSpan(length)[..length], state);
            target.Advance(length);
            if (_midPacket)
            {
                _packets++;
                return Task.CompletedTask; // sent with the packet it waits behind
            }

            written = EndPacket(CancellationToken.None, out flush);
        }

        return StartFlush(flush, written);
    }

    // Outside _gate: queues the flush EndPacket asked for.
    private Task StartFlush(bool flush, Task written)
    {
        if (flush)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.FlushAsync(), this, preferLocal: false);
        }

        return written;
    }

    // Under _gate, after a whole packet is in _pending: starts a flush unless one runs, and makes the writer wait
    // when too much is waiting.
    private Task EndPacket(CancellationToken cancellationToken, out bool flush)
    {
        _packets++;
        if (_flushing)
        {
            flush = false;
            return _pending.WrittenCount < HighWater ? Task.CompletedTask : Drained().WaitAsync(cancellationToken);
        }

        _flushing = true;
        flush = true;
        return Task.CompletedTask;
    }

    // Under _gate.
    private Task Drained() => (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private async Task FlushAsync()
    {
        while (true)
        {
            TaskCompletionSource? drained = null;
            bool done = false;
            lock (_gate)
            {
                if (_pending.WrittenCount == 0)
                {
                    _flushing = false;
                    done = true;
                    (drained, _drained) = (_drained, null);
                }
                else
                {
                    (_pending, _sending) = (_sending, _pending);
                    _pending.ResetWrittenCount();
                }
            }

            if (done)
            {
                drained?.TrySetResult();
                return;
            }

            try
            {
                _sends++;
                await _inner.WriteAsync(new ReadOnlySequence<byte>(_sending.WrittenMemory), true, _closing.Token);
            }
            catch (Exception ex)
            {
                lock (_gate)
                {
                    _fault = ex;
                    _flushing = false;
                    (drained, _drained) = (_drained, null);
                }

                drained?.TrySetException(ex);
                _inner.Dispose();
                return;
            }
        }
    }
}
