using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MQTTnet.Channel;

namespace Edge.Cloud.Tests.Mqtt;

/// <summary>
/// A socket's two directions as bytes: what is written is kept in order; what the test feeds in is read back in the
/// sizes the reader asks for, and a read waits until there is something (or the far end closed).
/// </summary>
internal sealed class WireChannel : IMqttChannel
{
    private readonly Lock _gate = new();
    private readonly List<byte> _written = [];
    private readonly Channel<byte[]> _incoming = Channel.CreateUnbounded<byte[]>();
    private byte[] _chunk = [];
    private int _at;
    private TaskCompletionSource? _hold;

    public byte[] Written
    {
        get
        {
            lock (_gate)
            {
                return [.. _written];
            }
        }
    }

    public X509Certificate2 ClientCertificate => null!;

    public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1883);

    public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50001);

    public bool IsSecureConnection => false;

    public void Receive(byte[] bytes) => _incoming.Writer.TryWrite(bytes);

    /// <summary>Writes from now on wait until <see cref="ReleaseWrites"/>: a socket whose peer stopped reading.</summary>
    public void HoldWrites() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseWrites() => _hold?.TrySetResult();

    public async Task WaitForBytesAsync(int count, TimeSpan deadline)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Written.Length < count)
        {
            Assert.True(clock.Elapsed < deadline, $"timed out waiting for {count} bytes on the wire");
            await Task.Delay(5);
        }
    }

    /// <summary>The far end closes: reads return 0 once what was fed in is read.</summary>
    public void Close() => _incoming.Writer.TryComplete();

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => Close();

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        while (_at == _chunk.Length)
        {
            if (!await _incoming.Reader.WaitToReadAsync(cancellationToken))
            {
                return 0;
            }

            if (_incoming.Reader.TryRead(out byte[]? next))
            {
                (_chunk, _at) = (next, 0);
            }
        }

        int take = Math.Min(count, _chunk.Length - _at);
        Array.Copy(_chunk, _at, buffer, offset, take);
        _at += take;
        return take;
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                _written.AddRange(segment.Span);
            }
        }

        return _hold?.Task ?? Task.CompletedTask;
    }
}
