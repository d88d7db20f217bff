using System.Text.Json;
using Edge.Cloud.Transport;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;
using Edge.Gateway.Shelves;
using Edge.Gateway.Simulation;
using Edge.Gateway.StoreData;

namespace Edge.Gateway.Tests.Commands;

/// <summary>
/// Each command, as the cloud sends it, through the gateway's own composition with a cloud that accepts and records
/// everything: the reply, what changed (or did not), and the one log line with command, source and outcome.
/// </summary>
public sealed class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-cmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string CommandLog(CommandHost host, string command) =>
        string.Join("\n", host.Logs.Lines.Where(l => l.Category == typeof(CommandDispatcher).FullName && l.Message.StartsWith($"Command {command} ", StringComparison.Ordinal)).Select(l => l.Message));

    [Fact]
    public async Task Tare_IsRefusedForAnUnknownShelf_AndWhileItemsAreOnIt_AndDoneOnceItIsEmpty()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        var unknown = await host.Cloud.DeliverAsync(InboundKind.Command, "tare", "{\"shelfId\":\"Z-99\"}");
        var loaded = await host.Cloud.DeliverAsync(InboundKind.Command, "tare", "{\"shelfId\":\"S-01\"}");
        Assert.Equal(404, unknown!.Value.Status);
        Assert.Equal(409, loaded!.Value.Status);
        Assert.Contains("items; empty it before taring", loaded.Value.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        StockRow before = host.Get<StockBoard>().Get("S-01")!;

        SimulatedStore store = host.Get<SimulatedStore>();
        Assert.Equal(SimulatedActionResult.Done, store.Pick("S-01", store.ItemsOn("S-01")!.Value));
        await CommandHost.WaitUntilAsync(() => host.Get<StockBoard>().Get("S-01") is { Count: 0, Status: SlotStatus.Out }, "S-01 counted empty");
        (int status, JsonElement body) = (await host.Cloud.DeliverAsync(InboundKind.Command, "tare", "{\"shelfId\":\"S-01\"}"))!.Value;
        Assert.Equal(200, status);
        Assert.Equal("S-01", body.GetProperty("shelfId").GetString());
        // The tare is the empty tray's still load now, in force on the pipeline; the tray weighs what it weighed
        // (it may even round to the same 0.1 g as before, so "changed" is not the property).
        double tare = body.GetProperty("tareGrams").GetDouble();
        Assert.Equal(tare, Math.Round(host.Get<ShelfService>().Find("S-01")!.TareGrams, 1));
        Assert.InRange(tare, before.TareGrams - 5, before.TareGrams + 5);
        Assert.Equal(
            $"Command tare from Cloud: 404 no shelf 'Z-99'\nCommand tare from Cloud: 409 shelf 'S-01' holds {before.Count} items; empty it before taring\nCommand tare from Cloud: done",
            CommandLog(host, "tare"));
    }

    [Fact]
    public async Task Recalibrate_StoresAPlausibleCalibration_AndAnImplausibleOneChangesNothing()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        var typo = await host.Cloud.DeliverAsync(InboundKind.Command, "recalibrate", "{\"shelfId\":\"S-01\",\"rawZero\":5,\"gramsZero\":0,\"rawSpan\":5,\"gramsSpan\":1000}");
        var missing = await host.Cloud.DeliverAsync(InboundKind.Command, "recalibrate", "{\"shelfId\":\"S-01\",\"rawZero\":5}");
        Assert.Equal(400, typo!.Value.Status);
        Assert.Equal(400, missing!.Value.Status);
        Assert.Equal("\"gramsZero\" must be a number", missing.Value.Body.GetProperty("error").GetString());
        ShelfRepository repository = host.Get<ShelfRepository>();
        Assert.Null(repository.LoadCalibration("S-01"));

        Calibration factory = DemoStoreLayout.FactoryCalibration().ToCalibration();
        Calibration doubled = factory with { GramsSpan = factory.GramsZero + (2 * (factory.GramsSpan - factory.GramsZero)) };
        string args = JsonSerializer.Serialize(new { shelfId = "S-01", rawZero = doubled.RawZero, gramsZero = doubled.GramsZero, rawSpan = doubled.RawSpan, gramsSpan = doubled.GramsSpan });
        (int status, JsonElement body) = (await host.Cloud.DeliverAsync(InboundKind.Command, "recalibrate", args))!.Value;
        Assert.Equal(200, status);
        Assert.Equal(doubled.GramsPerCount, body.GetProperty("gramsPerCount").GetDouble(), 12);
        Assert.Equal(doubled, repository.LoadCalibration("S-01"));

        // Twice the grams per count: the same tray now reads as about twice the items.
        await CommandHost.WaitUntilAsync(() => host.Get<StockBoard>().Get("S-01") is { Count: >= 35 }, "S-01 counted afresh with the new calibration");
        Assert.EndsWith("Command recalibrate from Cloud: done", CommandLog(host, "recalibrate"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetConfig_AppliesTheSetting_CountsTheLocalVersion_AndReportsIt_WithoutLoggingTheValue()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        var badKey = await host.Cloud.DeliverAsync(InboundKind.Command, "set-config", "{\"key\":\"lights\",\"value\":\"on\"}");
        Assert.Equal(400, badKey!.Value.Status);
        (int status, _) = (await host.Cloud.DeliverAsync(InboundKind.Command, "set-config", "{\"key\":\"shelves.S-01.lowStockThreshold\",\"value\":987}"))!.Value;

        Assert.Equal(200, status);
        Assert.Equal(987, host.Get<ShelfService>().Find("S-01")!.Slot.LowStockThreshold);
        await CommandHost.WaitUntilAsync(() => host.Get<StockBoard>().Get("S-01") is { Status: SlotStatus.Low }, "S-01 low");
        await CommandHost.WaitUntilAsync(() => host.Cloud.Reports.Any(r => r["localVersion"]?.GetValue<long>() == 1 && r["shelves"]!["S-01"]!["lowStockThreshold"]!.GetValue<int>() == 987), "the change reported with local version 1");
        string log = CommandLog(host, "set-config");
        Assert.EndsWith("Command set-config from Cloud: done", log, StringComparison.Ordinal);
        Assert.DoesNotContain("987", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resync_QueuesEveryShelfsLevel_AndTheCloudReceivesThem()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        (int status, JsonElement body) = (await host.Cloud.DeliverAsync(InboundKind.Command, "resync", ""))!.Value;

        Assert.Equal(200, status);
        Assert.Equal(12, body.GetProperty("shelves").GetInt32());
        await CommandHost.WaitUntilAsync(() => host.Cloud.Sent.Count(m => m.Type == "StockLevel") >= 12, "12 StockLevel messages sent");
        Assert.Equal(
            host.Get<ShelfLayout>().Shelves.Select(s => s.Id).Order(),
            host.Cloud.Sent.Where(m => m.Type == "StockLevel").Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("shelfId").GetString()).Order());
        Assert.Equal("Command resync from Cloud: done", CommandLog(host, "resync"));
    }

    [Fact]
    public async Task RestartSampler_PowerCyclesEveryChip_AndCountingGoesOn()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        (int status, JsonElement body) = (await host.Cloud.DeliverAsync(InboundKind.Command, "restart-sampler", "{}"))!.Value;

        Assert.Equal(200, status);
        Assert.Equal(12, body.GetProperty("chips").GetInt32());
        int before = host.Get<StockBoard>().Get("D-01")!.Count;
        Assert.Equal(SimulatedActionResult.Done, host.Get<SimulatedStore>().Pick("D-01", 1));
        await CommandHost.WaitUntilAsync(() => host.Get<StockBoard>().Get("D-01")!.Count == before - 1, "a pick counted after the restart");
        Assert.Equal("Command restart-sampler from Cloud: done", CommandLog(host, "restart-sampler"));
    }

    [Fact]
    public async Task StoreData_IsStoredAndAnnouncedOnTheBus_AndAnOlderOrBrokenOneIsNot()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        using Subscription<StoreDataChanged> changes = host.Get<EventBus>().Subscribe<StoreDataChanged>("test screen", 16, FullPolicy.DropOldestAndResync);

        var v2 = await host.Cloud.DeliverAsync(InboundKind.Data, "promotions", "{\"version\":2,\"items\":[{\"id\":\"p1\",\"skus\":[\"4901005202078\"],\"discount\":{\"type\":\"percent\",\"value\":10}}]}");
        var older = await host.Cloud.DeliverAsync(InboundKind.Data, "promotions", "{\"version\":1,\"items\":[]}");
        var broken = await host.Cloud.DeliverAsync(InboundKind.Data, "promotions", "{\"version\":3}");

        Assert.Equal(200, v2!.Value.Status);
        Assert.Equal(200, older!.Value.Status);
        Assert.Contains("not newer", older.Value.Body.GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, broken!.Value.Status);
        Assert.True(changes.TryRead(out Delivery<StoreDataChanged> published));
        Assert.Equal(new StoreDataChanged("promotions", 2), published.Event);
        Assert.False(changes.TryRead(out _), "only the stored version is announced");
        Assert.Equal(2, host.Get<StoreDataRepository>().VersionOf("promotions")!.Value.Version);
        Assert.Equal(
            "Command store-data from Cloud: done\nCommand store-data from Cloud: done\nCommand store-data from Cloud: 400 " + broken.Value.Body.GetProperty("error").GetString(),
            CommandLog(host, "store-data"));
    }

    [Fact]
    public async Task OtherCallers_GetTheSameCommands_AndTheirSourceIsLogged()
    {
        await using CommandHost host = await CommandHost.StartAsync(_dir);
        CommandDispatcher commands = host.Get<CommandDispatcher>();

        CommandResult fromAdmin = await commands.SendAsync(new TareShelf("Z-99"), CommandSource.AdminApi);
        CommandResult fromCli = await commands.SendAsync(new RestartSampler(), CommandSource.Cli);

        Assert.Equal((CommandOutcome.NotFound, "no shelf 'Z-99'"), (fromAdmin.Outcome, fromAdmin.Error));
        Assert.Equal(CommandOutcome.Done, fromCli.Outcome);
        Assert.Equal("Command tare from AdminApi: 404 no shelf 'Z-99'", CommandLog(host, "tare"));
        Assert.Equal("Command restart-sampler from Cli: done", CommandLog(host, "restart-sampler"));
    }
}
