using System.CommandLine;
using Edge.Gateway.Beacons;
using Edge.Gateway.Cloud;
using Edge.Gateway.Configuration;
using Edge.Gateway.Shelves;
using Edge.Gateway.Simulation;

namespace Edge.Gateway.Cli;

/// <summary>The <c>run</c> verb (also the default): starts the gateway.</summary>
internal static class RunCommand
{
    private static readonly Option<bool> Simulate = new("--simulate") { Description = "Run on the simulated store even if a GPIO chip is present (Simulation:Enabled). Without a GPIO chip the store is always simulated." };
    private static readonly Option<string> DataDir = new("--data-dir") { Description = "Directory for all state (Gateway:DataDir). Default: ./data" };
    private static readonly Option<string> Urls = new("--urls") { Description = "HTTP listen URLs, ';'-separated (Gateway:Urls). Default: http://0.0.0.0:8080" };
    private static readonly Option<string> BleReplay = new("--ble-replay") { Description = "Replay a btsnoop capture (btmon -w) through the BLE path instead of scanning (Beacons:ReplayFile)" };
    private static readonly Option<string> BleRecord = new("--ble-record") { Description = "Record what the BLE scanner sees to FILE.hciN, btsnoop monitor format (Beacons:RecordFile)" };
    private static readonly Option<double> ShopperRate = new("--sim-shopper-rate") { Description = "Simulated shopper pick/put actions per minute; 0 disables them (Simulation:ShopperRatePerMinute). Default: 6" };

    /// <summary>Adds the options to <paramref name="command"/> and makes it start the gateway.</summary>
    public static Command Configure(Command command)
    {
        command.Options.Add(Simulate);
        command.Options.Add(DataDir);
        command.Options.Add(Urls);
        command.Options.Add(ShopperRate);
        command.Options.Add(BleReplay);
        command.Options.Add(BleRecord);
        command.SetAction((parse, ct) => RunAsync(parse, ct));
        return command;
    }

    // The simulated store's beacons and receivers unless configured: they match `ble simulate-capture`.
    private static BeaconOptions BeaconsFor(BeaconOptions configured, bool simulate)
    {
        if (!simulate || configured.StoreBeacons.Count > 0 || configured.Receivers.Count > 0)
        {
            return configured;
        }

        BeaconOptions simulated = Simulation.SimulatedBeaconCapture.Options();
        simulated.ReplayFile = configured.ReplayFile;
        simulated.RecordFile = configured.RecordFile;
        simulated.ReplaySpeed = configured.ReplaySpeed;
        return simulated;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        // Command-line options override appsettings.json and environment variables, key by key.
        var overrides = new Dictionary<string, string?>();
        if (parse.GetResult(Simulate) is not null)
        {
            overrides["Simulation:Enabled"] = parse.GetValue(Simulate) ? "true" : "false";
        }

        if (parse.GetResult(DataDir) is not null)
        {
            overrides["Gateway:DataDir"] = parse.GetValue(DataDir);
        }

        if (parse.GetResult(Urls) is not null)
        {
            overrides["Gateway:Urls"] = parse.GetValue(Urls);
        }

        if (parse.GetResult(ShopperRate) is not null)
        {
            overrides["Simulation:ShopperRatePerMinute"] = parse.GetValue(ShopperRate).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (parse.GetResult(BleReplay) is not null)
        {
            overrides["Beacons:ReplayFile"] = parse.GetValue(BleReplay);
        }

        if (parse.GetResult(BleRecord) is not null)
        {
            overrides["Beacons:RecordFile"] = parse.GetValue(BleRecord);
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(overrides);

        if (!GatewayConfiguration.TryLoad(builder.Configuration, out GatewayConfiguration? settings, out List<string> problems))
        {
            foreach (string problem in problems)
            {
                await Console.Error.WriteLineAsync("Invalid configuration: " + problem);
            }

            return ExitCodes.InvalidConfiguration;
        }

        bool noChip = !GatewayConfiguration.HasGpioChip();
        bool simulate = settings.Simulation.Enabled || noChip;
        IReadOnlyList<ShelfOptions> shelves = settings.Shelves.Count > 0 || !simulate ? settings.Shelves : DemoStoreLayout.Shelves();
        var layout = new ShelfLayout(shelves, simulate);

        builder.WebHost.UseUrls(settings.Gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection("Gateway"));
        builder.Services.Configure<SimulationOptions>(builder.Configuration.GetSection("Simulation"));
        builder.Services.Configure<StoreOptions>(builder.Configuration.GetSection("Store"));
        builder.AddShelves(layout);
        builder.AddCloudSync(settings.Cloud, settings.Store.Id);
        builder.AddBeacons(BeaconsFor(settings.Beacons, simulate));
        if (simulate)
        {
            builder.AddSimulation(layout);
        }

        WebApplication app = builder.Build();
        if (noChip && !settings.Simulation.Enabled)
        {
            ShelfLog.NoChipSimulating(app.Services.GetRequiredService<ILogger<ShelfService>>());
        }

        app.MapShelfEndpoints();
        app.MapBeaconEndpoints();
        if (simulate)
        {
            app.MapSimulationEndpoints();
        }

        try
        {
            await app.RunAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"Cannot listen on {settings.Gateway.Urls}: {ex.Message}");
            return ExitCodes.CannotListen;
        }

        return ExitCodes.Ok;
    }
}
