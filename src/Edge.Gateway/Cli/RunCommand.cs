using System.CommandLine;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary>The <c>run</c> verb (also the default): maps its options onto configuration keys and runs the host.</summary>
internal static class RunCommand
{
    private static readonly Option<bool> Simulate = new("--simulate") { Description = "Run on the simulated store even if a GPIO chip is present (Simulation:Enabled). Without a GPIO chip the store is always simulated." };
    private static readonly Option<string> DataDir = new("--data-dir") { Description = "Directory for all state (Gateway:DataDir). Default: $STATE_DIRECTORY, else $XDG_STATE_HOME/edge-gateway, else ~/.local/state/edge-gateway" };
    private static readonly Option<string> Urls = new("--urls") { Description = "HTTP listen URLs, ';'-separated (Gateway:Urls). Default: http://0.0.0.0:8080" };
    private static readonly Option<string> BleReplay = new("--ble-replay") { Description = "Replay a btsnoop capture (btmon -w) through the BLE path instead of scanning (Beacons:ReplayFile)" };
    private static readonly Option<string> BleRecord = new("--ble-record") { Description = "Record what the BLE scanner sees to FILE.hciN, btsnoop monitor format (Beacons:RecordFile)" };
    private static readonly Option<double> ShopperRate = new("--sim-shopper-rate") { Description = "Simulated shopper pick/put actions per minute, 0 to 600; 0 disables them (Simulation:ShopperRatePerMinute). Default: 6" };

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

    private static Dictionary<string, string?> Overrides(ParseResult parse)
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

        return overrides;
    }

    private static Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken) =>
        GatewayHost.RunAsync(Overrides(parse), cancellationToken);
}
