using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Tests.Brokers;
using MQTTnet;
using MQTTnet.Channel;
using MQTTnet.Protocol;

namespace Edge.Cloud.Tests.Mqtt;

/// <summary>The channel that sends the packets written during a send in one write: order, grouping, back-pressure, faults.</summary>
public sealed class CoalescingChannelTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task PacketsWrittenWhileASendIsHeld_GoOutInOrder_InOneWrite()
    {
        var inner = new ScriptedChannel();
        inner.HoldWrites();
        using var channel = new CoalescingChannel(inner);

        await channel.WriteAsync(Bytes("a"), isEndOfPacket: true, CancellationToken.None);
        await inner.WaitForWritesAsync(1);
        // The first send is held by the socket; these wait for it and then leave together.
        await channel.WriteAsync(Bytes("b1"), isEndOfPacket: false, CancellationToken.None);
        await channel.WriteAsync(Bytes("b2"), isEndOfPacket: true, CancellationToken.None);
        await channel.WriteAsync(Bytes("c"), isEndOfPacket: true, CancellationToken.None);
        Assert.Equal(["a"], inner.Written);

        inner.ReleaseWrites();
        await inner.WaitForWritesAsync(2);
        Assert.Equal(["a", "b1b2c"], inner.Written);
        Assert.Equal(2, channel.Sends);
        Assert.Equal(3, channel.Packets);
    }

    [Fact]
    public async Task AHeaderWrittenWithoutItsPayload_IsNotSentAlone()
    {
        var inner = new ScriptedChannel();
        using var channel = new CoalescingChannel(inner);

        // Nothing is queued for sending until the packet is complete.
        await channel.WriteAsync(Bytes("head"), isEndOfPacket: false, CancellationToken.None);
        Assert.Equal(0, channel.Packets);
        Assert.Empty(inner.Written);

        await channel.WriteAsync(Bytes("body"), isEndOfPacket: true, CancellationToken.None);
        await inner.WaitForWritesAsync(1);
        Assert.Equal(["headbody"], inner.Written);
    }

    [Fact]
    public async Task APacketComposedWhileMqttnetsIsHalfWritten_FollowsItWhole()
    {
        var inner = new ScriptedChannel();
        using var channel = new CoalescingChannel(inner);

        await channel.WriteAsync(Bytes("head"), isEndOfPacket: false, CancellationToken.None);
        await channel.WritePacket(4, "lane", static (span, text) => Encoding.ASCII.GetBytes(text, span));
        Assert.Empty(inner.Written); // not sent between MQTTnet's header and its payload
        await channel.WriteAsync(Bytes("body"), isEndOfPacket: true, CancellationToken.None);
        await channel.WritePacket(5, "after", static (span, text) => Encoding.ASCII.GetBytes(text, span));

        await ScriptedChannel.WaitUntilAsync(() => string.Concat(inner.Written) == "headbodylaneafter", "all four parts in order");
        Assert.Equal(3, channel.Packets);
    }

    [Fact]
    public async Task ASocketThatStopsTakingBytes_HoldsTheWriterPastTheHighWaterMark_NotMemory()
    {
        var inner = new ScriptedChannel();
        inner.HoldWrites();
        using var channel = new CoalescingChannel(inner);
        await channel.WriteAsync(Bytes("first"), isEndOfPacket: true, CancellationToken.None);
        await inner.WaitForWritesAsync(1);

        var chunk = new ReadOnlySequence<byte>(new byte[64 * 1024]);
        for (int i = 0; i < (CoalescingChannel.HighWater / (64 * 1024)) - 1; i++)
        {
            Assert.True(channel.WriteAsync(chunk, isEndOfPacket: true, CancellationToken.None).IsCompletedSuccessfully);
        }

        Task held = channel.WriteAsync(chunk, isEndOfPacket: true, CancellationToken.None);
        Assert.False(held.IsCompleted);

        // A writer that gives up is released by its own token.
        using var giveUp = new CancellationTokenSource();
        Task cancelled = channel.WriteAsync(Bytes("x"), isEndOfPacket: true, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        inner.ReleaseWrites();
        await held.WaitAsync(Deadline);
        Assert.Equal(CoalescingChannel.HighWater + "first".Length + 1, inner.Written.Sum(w => w.Length));
    }

    [Fact]
    public async Task AFailedSend_FaultsTheChannel_LaterWritesThrow_AndTheInnerChannelIsClosed()
    {
        var inner = new ScriptedChannel { FailWrites = new IOException("connection reset by peer") };
        using var channel = new CoalescingChannel(inner);

        await channel.WriteAsync(Bytes("a"), isEndOfPacket: true, CancellationToken.None);
        await ScriptedChannel.WaitUntilAsync(() => inner.Disposed, "the inner channel to be disposed");

        var thrown = await Assert.ThrowsAsync<MQTTnet.Exceptions.MqttCommunicationException>(
            () => channel.WriteAsync(Bytes("b"), isEndOfPacket: true, CancellationToken.None));
        Assert.IsType<IOException>(thrown.InnerException);
    }

    [Fact]
    public async Task DisposingWhileTheSocketHoldsASend_CancelsThatSend()
    {
        var inner = new ScriptedChannel();
        inner.HoldWrites();
        var channel = new CoalescingChannel(inner);
        await channel.WriteAsync(Bytes("a"), isEndOfPacket: true, CancellationToken.None);
        await inner.WaitForWritesAsync(1);

        channel.Dispose();

        await ScriptedChannel.WaitUntilAsync(() => inner.CancelledWrites == 1, "the held send to be cancelled");
        await Assert.ThrowsAsync<MQTTnet.Exceptions.MqttCommunicationException>(
            () => channel.WriteAsync(Bytes("b"), isEndOfPacket: true, CancellationToken.None));
    }

    [Fact]
    public async Task Disconnect_SendsWhatIsWaitingFirst()
    {
        var inner = new ScriptedChannel();
        inner.HoldWrites();
        using var channel = new CoalescingChannel(inner);
        await channel.WriteAsync(Bytes("publish"), isEndOfPacket: true, CancellationToken.None);
        await inner.WaitForWritesAsync(1);
        await channel.WriteAsync(Bytes("disconnect"), isEndOfPacket: true, CancellationToken.None);

        Task disconnecting = channel.DisconnectAsync(CancellationToken.None);
        Assert.False(disconnecting.IsCompleted);
        Assert.False(inner.Disconnected);

        inner.ReleaseWrites();
        await disconnecting.WaitAsync(Deadline);
        Assert.Equal(["publish", "disconnect"], inner.Written);
        Assert.True(inner.Disconnected);
    }

    [Fact]
    public async Task SmallReads_AreServedFromOneSocketRead_ALargeOneGoesStraightThrough()
    {
        var inner = new ScriptedChannel();
        inner.Incoming.Enqueue(Encoding.ASCII.GetBytes("abcdefgh"));
        using var channel = new CoalescingChannel(inner);
        var buffer = new byte[2];

        var read = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            int n = await channel.ReadAsync(buffer, 0, 2, CancellationToken.None);
            read.Add(Encoding.ASCII.GetString(buffer, 0, n));
        }

        Assert.Equal(["ab", "cd", "ef", "gh"], read);
        Assert.Equal(1, inner.Reads);

        // The peer closed: the read says so rather than serving stale bytes.
        Assert.Equal(0, await channel.ReadAsync(buffer, 0, 2, CancellationToken.None));

        inner.Incoming.Enqueue(new byte[100_000]);
        var large = new byte[100_000];
        Assert.Equal(100_000, await channel.ReadAsync(large, 0, large.Length, CancellationToken.None));
        Assert.Equal(100_000, inner.LargestRead);
    }

    [Fact]
    public async Task ThroughMosquitto_EveryQos1PublishIsAcknowledged_AndArrivesInOrder()
    {
        using var broker = new Mosquitto();
        await using Subscriber subscriber = await Subscriber.ConnectAsync(broker.Port, "coalesce/#");
        using IMqttClient client = new MqttClientFactory().CreateMqttClient(new CoalescingAdapterFactory());
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("coalescing").Build());

        const int Count = 2_000;
        using var window = new SemaphoreSlim(64);
        var sends = new List<Task<MqttClientPublishResult>>();
        for (int i = 0; i < Count; i++)
        {
            await window.WaitAsync();
            sends.Add(Publish(i));
        }

        MqttClientPublishResult[] results = await Task.WhenAll(sends).WaitAsync(Deadline);
        Assert.All(results, r => Assert.Equal(MqttClientPublishReasonCode.Success, r.ReasonCode));
        await subscriber.WaitForAsync(r => r.Count == Count, Deadline, $"{Count} messages");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), subscriber.Received.Select(r => r.Payload));
        await client.DisconnectAsync(new MqttClientDisconnectOptions());

        async Task<MqttClientPublishResult> Publish(int i)
        {
            try
            {
                return await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("coalesce/t")
                    .WithPayload(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            }
            finally
            {
                window.Release();
            }
        }
    }

    /// <summary>An inner channel that records each write, can hold writes until released, fail them, or serve scripted reads.</summary>
    private sealed class ScriptedChannel : IMqttChannel
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _release = Released();
        private readonly List<string> _written = [];

        public Exception? FailWrites { get; init; }

        public Queue<byte[]> Incoming { get; } = new();

        public int Reads { get; private set; }

        public int LargestRead { get; private set; }

        public int CancelledWrites { get; private set; }

        public bool Disposed { get; private set; }

        public bool Disconnected { get; private set; }

        public IReadOnlyList<string> Written
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

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50000);

        public bool IsSecureConnection => false;

        public void HoldWrites() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseWrites() => _release.TrySetResult();

        public Task WaitForWritesAsync(int count) => WaitUntilAsync(() => Written.Count >= count, $"{count} writes");

        public static async Task WaitUntilAsync(Func<bool> condition, string what)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(clock.Elapsed < Deadline, $"timed out waiting for {what}");
                await Task.Delay(5);
            }
        }

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            Disconnected = true;
            return Task.CompletedTask;
        }

        public void Dispose() => Disposed = true;

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            LargestRead = Math.Max(LargestRead, count);
            if (!Incoming.TryDequeue(out byte[]? next))
            {
                return Task.FromResult(0);
            }

            Assert.True(next.Length <= count, "the scripted bytes fit the read");
            next.CopyTo(buffer, offset);
            return Task.FromResult(next.Length);
        }

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            if (FailWrites != null)
            {
                throw FailWrites;
            }

            lock (_gate)
            {
                _written.Add(Encoding.ASCII.GetString(buffer));
            }

            try
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                CancelledWrites++;
                throw;
            }
        }

        private static TaskCompletionSource Released()
        {
            var done = new TaskCompletionSource();
            done.SetResult();
            return done;
        }
    }
}
