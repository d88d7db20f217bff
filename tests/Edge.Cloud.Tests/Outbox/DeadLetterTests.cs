using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using LiteDB;

namespace Edge.Cloud.Tests.Outbox;

/// <summary>A message the cloud refuses for good is set aside, counted and kept, and the ones behind it are sent.</summary>
public sealed class DeadLetterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-dead-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task APermanentlyRefusedMessage_IsDeadLettered_AndTheNextOneOfItsStreamIsSent()
    {
        using var db = new LiteDatabase(Path.Combine(_dir, "outbox.db"));
        using var outbox = new DurableOutbox(db, new OutboxOptions { Classes = TestClasses.All, CommitInterval = TimeSpan.Zero });
        var transport = new RefusesOversizedMessages(maxBytes: 100);
        using var pump = new OutboxPump(outbox, transport, new PumpOptions { RatePerSecond = 0 });
        var deadLettered = new List<(string Id, string Reason)>();
        outbox.DeadLettered += (m, reason) => deadLettered.Add((m.MessageId, reason));
        using var stop = new CancellationTokenSource();
        Task writer = outbox.RunAsync(stop.Token);
        Task pumping = pump.RunAsync(stop.Token);

        await outbox.EnqueueAsync(new OutboxEntry("shelf", "t", TestClasses.Stock, "{\"n\":1}"u8.ToArray(), MessageId: "small-1"));
        await outbox.EnqueueAsync(new OutboxEntry("shelf", "t", TestClasses.Stock, System.Text.Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 500) + "\"}"), MessageId: "poison"));
        await outbox.EnqueueAsync(new OutboxEntry("shelf", "t", TestClasses.Stock, "{\"n\":3}"u8.ToArray(), MessageId: "small-3"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (outbox.AckedSeq("shelf") < 3)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the stream is blocked at {outbox.AckedSeq("shelf")}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(["small-1", "small-3"], transport.Sent);
        Assert.Equal("poison", Assert.Single(deadLettered).Id);
        Assert.Contains("accepts 100", deadLettered[0].Reason, StringComparison.Ordinal);
        Assert.Equal(1, outbox.Stats.DeadLettered);
        Assert.Equal(0, outbox.Stats.Pending);
        await stop.CancelAsync();
        await Task.WhenAll(writer, pumping);

        // Kept in the outbox file with the reason, after the restart too.
        using var reopened = new DurableOutbox(db, new OutboxOptions { Classes = TestClasses.All });
        (string id, string stream, long seq, string reason, _) = Assert.Single(reopened.DeadLetters());
        Assert.Equal(("poison", "shelf", 2L), (id, stream, seq));
        Assert.Contains("accepts 100", reason, StringComparison.Ordinal);
        Assert.Equal(0, reopened.Stats.Pending);
    }

    /// <summary>A cloud that takes small messages and refuses larger ones for good, as IoT Hub refuses what exceeds 256 KB.</summary>
    private sealed class RefusesOversizedMessages(int maxBytes) : ICloudTransport
    {
        public List<string> Sent { get; } = [];

        public bool IsConnected => true;

        public int ConnectAttempts => 1;

        public string? LastError => null;

        public InboundStats InboundStats => new(0, 0, 0, null);

        public event Action<bool, string?>? ConnectionChanged { add { } remove { } }

        public event Func<CloudInbound, Task>? Inbound { add { } remove { } }

        public Task WaitConnectedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            if (message.Payload.Length > maxBytes)
            {
                throw new PermanentlyRefusedException($"message {message.MessageId} is {message.Payload.Length} bytes; the cloud accepts {maxBytes}");
            }

            lock (Sent)
            {
                Sent.Add(message.MessageId);
            }

            return Task.CompletedTask;
        }

        public Task ReportAsync(long desiredVersion, System.Text.Json.Nodes.JsonObject reported, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
