using System.Text;
using System.Text.Json;
using Edge.Cloud.Transport;
using Edge.Gateway.Cloud;
using Edge.Gateway.Shelves;
using Edge.Gateway.Simulation;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Edge.Gateway.Tests.Commands;

/// <summary>
/// A shelf reader thread that does not come round (a stuck HX711 read, a stopping gateway): every change that needs it
/// answers 503 within the deadline instead of hanging the cloud's inbound handling, and the withdrawn change never
/// happens later behind the caller's back.
/// </summary>
public sealed class StuckReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-stuck-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task CommandsAndDesiredConfiguration_Answer503_AndTheWithdrawnChangesNeverRun()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        ShelfService shelves = host.Get<ShelfService>();
        LiveSettings settings = host.Get<LiveSettings>();
        int threshold = shelves.Find("S-01")!.Slot.LowStockThreshold;
        double tare = shelves.Find("S-01")!.TareGrams;

        using var release = new ManualResetEventSlim();
        Task<bool> stuck = HoldReader(shelves, release);
        shelves.ReaderDeadline = TimeSpan.FromMilliseconds(200);

        var set = (await host.Cloud.DeliverAsync(InboundKind.Command, "set-config", "{\"key\":\"shelves.S-01.lowStockThreshold\",\"value\":987}"))!.Value;
        var tared = (await host.Cloud.DeliverAsync(InboundKind.Command, "tare", "{\"shelfId\":\"S-01\"}"))!.Value;
        var restarted = (await host.Cloud.DeliverAsync(InboundKind.Command, "restart-sampler", ""))!.Value;
        (int desiredStatus, var desired) = await settings.ApplyDesiredAsync(Encoding.UTF8.GetBytes("{\"$version\":7,\"pump\":{\"ratePerSecond\":300},\"shelves\":{\"S-01\":{\"lowStockThreshold\":555}}}"));

        Assert.Equal(503, set.Status);
        Assert.Equal(503, tared.Status);
        Assert.Equal(503, restarted.Status);
        Assert.Equal(503, desiredStatus);
        Assert.Equal("the shelf reader did not take the change within 0.2 s (a stuck HX711 read, or the gateway is stopping); nothing changed, try again", set.Body.GetProperty("error").GetString());
        Assert.Equal(7, desired["$version"]!.GetValue<long>());
        Assert.EndsWith("(this version is not applied: the next delivery applies it; 1 of its 2 settings are in force until then, not stored)", desired["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("nothing changed", desired["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, settings.DesiredVersion);
        Assert.Equal(0, settings.Reported()["localVersion"]!.GetValue<long>());

        // The reader comes round: the change that held it completes, the withdrawn ones are skipped.
        release.Set();
        Assert.True(await stuck);
        await CommandHost.WaitUntilAsync(() => shelves.ReaderStuckSince is null, "the reader came round");
        shelves.ReaderDeadline = TimeSpan.FromSeconds(30);
        Assert.True(await shelves.OnReaderAsync(() => true));
        Assert.Equal(threshold, shelves.Find("S-01")!.Slot.LowStockThreshold);
        Assert.Equal(tare, shelves.Find("S-01")!.TareGrams);

        // And the same change now goes through.
        var again = (await host.Cloud.DeliverAsync(InboundKind.Command, "set-config", "{\"key\":\"shelves.S-01.lowStockThreshold\",\"value\":987}"))!.Value;
        Assert.Equal(200, again.Status);
        Assert.Equal(987, shelves.Find("S-01")!.Slot.LowStockThreshold);
    }

    [Fact]
    public async Task AfterOneTimeout_LaterChangesAreRefusedAtOnce_UntilTheReaderComesRound()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        ShelfService shelves = host.Get<ShelfService>();
        using var release = new ManualResetEventSlim();
        Task<bool> stuck = HoldReader(shelves, release);
        shelves.ReaderDeadline = TimeSpan.FromMilliseconds(200);
        Assert.Null(shelves.ReaderStuckSince);

        await Assert.ThrowsAsync<ShelfReaderTimeoutException>(() => shelves.OnReaderAsync(() => true));
        Assert.NotNull(shelves.ReaderStuckSince);
        Assert.Equal(shelves.ReaderStuckSince, Assert.IsType<DateTimeOffset>(await StuckSinceInHealth(host)));

        // The next change does not wait a deadline of its own behind the same stall: it is refused before it awaits.
        shelves.ReaderDeadline = TimeSpan.FromSeconds(5);
        int ran = 0;
        Task<bool> next = shelves.OnReaderAsync(() => Interlocked.Increment(ref ran) > 0);
        Assert.True(next.IsFaulted, "refused at once");
        ShelfReaderTimeoutException refused = await Assert.ThrowsAsync<ShelfReaderTimeoutException>(() => next);
        Assert.StartsWith("the shelf reader has not come round since a change timed out at ", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("; nothing changed, try again", refused.Message, StringComparison.Ordinal);
        Calibration factory = DemoStoreLayout.FactoryCalibration().ToCalibration();
        string args = JsonSerializer.Serialize(new { shelfId = "S-01", rawZero = factory.RawZero, gramsZero = factory.GramsZero, rawSpan = factory.RawSpan, gramsSpan = factory.GramsSpan });
        var recalibrated = (await host.Cloud.DeliverAsync(InboundKind.Command, "recalibrate", args))!.Value;
        Assert.Equal(503, recalibrated.Status);
        Assert.StartsWith("calibration of shelf 'S-01' stored, but not applied now: the shelf reader has not come round since ", recalibrated.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("; it applies at the next start", recalibrated.Body.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The reader comes round: changes are queued and run again; the refused one never ran.
        release.Set();
        Assert.True(await stuck);
        await CommandHost.WaitUntilAsync(() => shelves.ReaderStuckSince is null, "the reader came round");
        Assert.Null(await StuckSinceInHealth(host));
        Assert.True(await shelves.OnReaderAsync(() => true));
        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task RestoringStoredSettings_WithTheReaderStuck_WaitsOneDeadline_AndLogsEachSettingNotApplied()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        ShelfService shelves = host.Get<ShelfService>();
        LiveSettings settings = host.Get<LiveSettings>();
        foreach (string shelf in new[] { "S-01", "S-02", "S-03" })
        {
            var stored = (await host.Cloud.DeliverAsync(InboundKind.Command, "set-config", $"{{\"key\":\"shelves.{shelf}.lowStockThreshold\",\"value\":7}}"))!.Value;
            Assert.Equal(200, stored.Status);
        }

        using var release = new ManualResetEventSlim();
        Task<bool> stuck = HoldReader(shelves, release);
        shelves.ReaderDeadline = TimeSpan.FromSeconds(1);

        // What a start does: the first stored shelf setting waits the deadline, the other two are refused at once.
        Task restore = settings.RestoreAsync();
        Assert.Same(restore, await Task.WhenAny(restore, Task.Delay(TimeSpan.FromSeconds(30))));
        await restore;

        string[] notApplied = [.. host.Logs.Lines.Where(l => l.Message.StartsWith("A stored live setting was not applied at start", StringComparison.Ordinal)).Select(l => l.Message)];
        Assert.Equal(3, notApplied.Length);
        Assert.Contains("shelves.S-01.lowStockThreshold: the shelf reader did not take the change within 1 s", notApplied[0], StringComparison.Ordinal);
        Assert.Contains("shelves.S-02.lowStockThreshold: the shelf reader has not come round since a change timed out at ", notApplied[1], StringComparison.Ordinal);
        Assert.Contains("shelves.S-03.lowStockThreshold: the shelf reader has not come round since a change timed out at ", notApplied[2], StringComparison.Ordinal);

        release.Set();
        Assert.True(await stuck);
    }

    [Fact]
    public async Task ACallerThatGivesUp_WithdrawsItsChange()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        ShelfService shelves = host.Get<ShelfService>();
        using var release = new ManualResetEventSlim();
        Task<bool> stuck = HoldReader(shelves, release);

        int ran = 0;
        using var giveUp = new CancellationTokenSource();
        Task<bool> change = shelves.OnReaderAsync(() => Interlocked.Increment(ref ran) > 0, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => change);

        release.Set();
        await stuck;
        Assert.True(await shelves.OnReaderAsync(() => true));
        Assert.Equal(0, ran);

        // What a change throws is its caller's answer; the reader goes on.
        await Assert.ThrowsAsync<FormatException>(() => shelves.OnReaderAsync<bool>(() => throw new FormatException("a broken change")));
        Assert.True(await shelves.OnReaderAsync(() => true));
    }

    // The shelves' part of /healthz, as the endpoint gathers it: degraded (200, the summary says so) while stuck.
    private static async Task<object?> StuckSinceInHealth(CommandHost host)
    {
        HealthReport report = await host.Get<HealthCheckService>().CheckHealthAsync();
        HealthReportEntry shelves = report.Entries.Values.Single(e => e.Data.ContainsKey("readerStuckSince"));
        object? since = shelves.Data["readerStuckSince"];
        Assert.Equal(since is null ? HealthStatus.Healthy : HealthStatus.Degraded, shelves.Status);
        return since;
    }

    // Holds the reader thread inside a change until released, as a read that never returns would.
    private static Task<bool> HoldReader(ShelfService shelves, ManualResetEventSlim release)
    {
        using var holding = new ManualResetEventSlim();
        Task<bool> stuck = shelves.OnReaderAsync(() =>
        {
            holding.Set();
            release.Wait();
            return true;
        });
        Assert.True(holding.Wait(TimeSpan.FromSeconds(30)), "the reader thread took the blocking change");
        return stuck;
    }
}
