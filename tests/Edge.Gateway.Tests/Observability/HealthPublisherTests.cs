using System.Text.Json.Nodes;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Observability;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Observability;

/// <summary>When the health summary is sent: on change, after a connect, every minute, and again after a failure.</summary>
public sealed class HealthPublisherTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingCloud _cloud = new();
    private HealthStatus _shelves = HealthStatus.Healthy;
    private int _faulted;

    private HealthPublisher Publisher() => new(_ => Task.FromResult(HealthSummary.Of(
        _shelves, [("shelves", _shelves), ("cloud", HealthStatus.Healthy)], 12, _faulted, (3, 7, 0), _time.GetUtcNow())), _cloud, _time);

    [Fact]
    public async Task TheFirstCheck_SendsTheSummary_AndAnUnchangedOne_WaitsForTheMinute()
    {
        HealthPublisher publisher = Publisher();

        Assert.True(await publisher.StepAsync(CancellationToken.None));
        _time.Advance(HealthPublisher.CheckEvery);
        Assert.False(await publisher.StepAsync(CancellationToken.None));
        _time.Advance(HealthPublisher.Every - HealthPublisher.CheckEvery);
        Assert.True(await publisher.StepAsync(CancellationToken.None));

        Assert.Equal(2, _cloud.Sent.Count);
        JsonObject sent = _cloud.Sent[0];
        Assert.Equal("healthy", (string?)sent["status"]);
        Assert.Equal("healthy", (string?)sent["areas"]!["shelves"]);
        Assert.Equal(12, (int)sent["shelves"]!["total"]!);
        Assert.Equal(3, (long)sent["outbox"]!["pending"]!);
        Assert.Equal(7, (long)sent["outbox"]!["oldestAgeSeconds"]!);
    }

    [Fact]
    public async Task AStatusChange_OrAFaultedShelf_IsSentAtTheNextCheck_NotAMinuteLater()
    {
        HealthPublisher publisher = Publisher();
        await publisher.StepAsync(CancellationToken.None);

        _faulted = 1;
        _shelves = HealthStatus.Degraded;
        _time.Advance(HealthPublisher.CheckEvery);
        Assert.True(await publisher.StepAsync(CancellationToken.None));
        _time.Advance(HealthPublisher.CheckEvery);
        Assert.False(await publisher.StepAsync(CancellationToken.None));

        Assert.Equal("degraded", (string?)_cloud.Sent[^1]["status"]);
        Assert.Equal(1, (int)_cloud.Sent[^1]["shelves"]!["faulted"]!);
    }

    [Fact]
    public async Task WhileDisconnected_NothingIsSent()
    {
        HealthPublisher publisher = Publisher();
        _cloud.Connected = false;

        Assert.False(await publisher.StepAsync(CancellationToken.None));
        Assert.Empty(_cloud.Sent);
    }

    [Fact]
    public async Task AfterAConnect_TheSummaryIsSentAtOnce_UnchangedAndBeforeTheMinute()
    {
        HealthPublisher publisher = Publisher();
        await publisher.StepAsync(CancellationToken.None);
        _time.Advance(HealthPublisher.CheckEvery);
        using var stop = new CancellationTokenSource();
        await publisher.StartAsync(stop.Token); // its first check finds nothing new
        Assert.Single(_cloud.Sent);

        _cloud.Reconnect();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_cloud.Count < 2)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the connect did not wake the publisher");
            await Task.Delay(10);
        }

        await publisher.StopAsync(CancellationToken.None);
        Assert.Equal(2, _cloud.Count);
    }

    [Fact]
    public async Task AFailedPublish_IsCounted_AndTriedAgainAtTheNextCheck()
    {
        HealthPublisher publisher = Publisher();
        _cloud.FailNext = true;

        Assert.False(await publisher.StepAsync(CancellationToken.None));
        _time.Advance(HealthPublisher.CheckEvery);
        Assert.True(await publisher.StepAsync(CancellationToken.None));

        Assert.Equal(1, publisher.Failed);
        Assert.Equal(1, publisher.Published);
    }

    [Fact]
    public async Task ACloudThatKeepsNoDeviceState_StopsThePublisher()
    {
        _cloud.KeepsNoState = true;
        HealthPublisher publisher = Publisher();

        Assert.Null(await publisher.StepAsync(CancellationToken.None));
    }

    [Fact]
    public void TheSummary_HasStatusesAndCountsOnly_TheWorstAreaDecides()
    {
        JsonObject summary = HealthSummary.Of(HealthStatus.Unhealthy, [("shelves", HealthStatus.Unhealthy), ("beacons", HealthStatus.Healthy)], 4, 0, null, _time.GetUtcNow());

        Assert.Equal("unhealthy", (string?)summary["status"]);
        Assert.Equal(["beacons", "shelves"], summary["areas"]!.AsObject().Select(kv => kv.Key));
        Assert.Null(summary["outbox"]);
        Assert.Equal(["status", "at", "areas", "shelves"], summary.Select(kv => kv.Key));
        Assert.Equal("2026-05-01T09:00:00.0000000+00:00", (string?)summary["at"]);
    }

    /// <summary>A cloud that records each summary; it can refuse one, or keep no device state at all.</summary>
    private sealed class RecordingCloud : ICloudTransport
    {
        public List<JsonObject> Sent { get; } = [];

        public int Count
        {
            get
            {
                lock (Sent)
                {
                    return Sent.Count;
                }
            }
        }

        public bool Connected { get; set; } = true;

        public bool FailNext { get; set; }

        public bool KeepsNoState { get; set; }

        public bool IsConnected => Connected;

        public int ConnectAttempts => 1;

        public InboundStats InboundStats => new(0, 0, 0, null);

        public string? LastError => null;

        public event Action<bool, string?>? ConnectionChanged;

        public event Func<CloudInbound, Task>? Inbound
        {
            add { }
            remove { }
        }

        public void Reconnect() => ConnectionChanged?.Invoke(true, null);

        public Task<bool> ReportHealthAsync(JsonObject health, CancellationToken cancellationToken)
        {
            if (KeepsNoState)
            {
                return Task.FromResult(false);
            }

            if (FailNext)
            {
                FailNext = false;
                throw new CloudUnavailableException("not connected");
            }

            lock (Sent)
            {
                Sent.Add(health);
            }

            return Task.FromResult(true);
        }

        public Task WaitConnectedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SendAsync(OutboxMessage message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ReportAsync(long desiredVersion, JsonObject reported, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
