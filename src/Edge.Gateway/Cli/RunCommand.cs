using System.CommandLine;
using System.Runtime.InteropServices;
using Edge.Gateway.Beacons;
using Edge.Gateway.Cloud;
using Edge.Gateway.Configuration;
using Edge.Gateway.Shelves;
using Edge.Gateway.Simulation;
using Edge.Gateway.Storage;

namespace Edge.Gateway.Cli;

/// <summary>The <c>run</c> verb (also the default): starts the gateway.</summary>
internal static partial class RunCommand
{
    /// <summary>Largest HTTP request body accepted (every endpoint takes a few bytes of JSON).</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

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

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        }
        catch (InvalidDataException ex)
        {
            // appsettings.json that is not JSON: the provider says which file; the parser says where.
            string where = ex.GetBaseException() is { } root && root != ex ? " " + root.Message : "";
            return await FailAsync(ExitCodes.InvalidConfiguration, $"Invalid configuration: {ex.Message}{where}");
        }

        builder.Configuration.AddInMemoryCollection(Overrides(parse));
        if (!GatewayConfiguration.TryLoad(builder.Configuration, out GatewayConfiguration? settings, out List<string> problems))
        {
            foreach (string problem in problems)
            {
                await Console.Error.WriteLineAsync("Invalid configuration: " + problem);
            }

            return ExitCodes.InvalidConfiguration;
        }

        // Everything the gateway writes is for its own user: the journal, the outbox, the beacon secret.
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0x3F); // 077
        }

        // The databases are opened before the host, so a data directory that cannot be used is one clear line.
        GatewayDatabase database;
        GatewayDatabase? outbox = null;
        try
        {
            database = GatewayDatabase.Open(settings.Gateway.DataDir);
            if (settings.Cloud.Mode != CloudMode.None)
            {
                // The outbox reads all its messages at start: all of them are verified.
                outbox = GatewayDatabase.Open(settings.Gateway.DataDir, fileName: CloudRegistration.OutboxFile, verify: GatewayDatabase.VerifyAll);
            }
        }
        catch (DatabaseUnavailableException ex)
        {
            return await FailAsync(ExitCodes.InvalidConfiguration, "Cannot use the data directory: " + ex.Message);
        }

        bool noChip = !GatewayConfiguration.HasGpioChip();
        bool simulate = settings.Simulation.Enabled || noChip;
        IReadOnlyList<ShelfOptions> shelves = settings.Shelves.Count > 0 || !simulate ? settings.Shelves : DemoStoreLayout.Shelves();
        var layout = new ShelfLayout(shelves, simulate);

        builder.WebHost.UseUrls(settings.Gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        // The host's own "failed to start" error repeats, with a stack trace, what the one line below says.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection("Gateway"));
        builder.Services.Configure<SimulationOptions>(builder.Configuration.GetSection("Simulation"));
        builder.Services.Configure<StoreOptions>(builder.Configuration.GetSection("Store"));
        builder.AddShelves(layout, database);
        builder.AddCloudSync(settings.Cloud, settings.Store.Id, outbox);
        builder.AddBeacons(simulate ? SimulatedBeaconCapture.FillIn(settings.Beacons) : settings.Beacons);
        if (simulate)
        {
            builder.AddSimulation(layout);
        }

        WebApplication app = builder.Build();
        ILogger log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Edge.Gateway");
        GatewayLog.DataDirectory(log, Path.GetDirectoryName(database.Path)!);
        foreach (GatewayDatabase? opened in (GatewayDatabase?[])[database, outbox])
        {
            if (opened?.QuarantinedTo is { } aside)
            {
                ShelfLog.DatabaseQuarantined(log, opened.Path, aside);
            }
        }

        if (noChip && !settings.Simulation.Enabled)
        {
            ShelfLog.NoChipSimulating(log);
        }

        app.Use(RefuseBadRequestsQuietly);
        app.MapShelfEndpoints();
        app.MapBeaconEndpoints();
        if (simulate)
        {
            app.MapSimulationEndpoints();
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Port taken, an address the machine does not have, https without a certificate.
            await DisposeQuietlyAsync(app);
            return await FailAsync(ExitCodes.CannotListen, $"Cannot listen on {settings.Gateway.Urls}: {ex.Message}");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        await app.StopAsync(CancellationToken.None);

        // A service that failed stopped the host: that is not a normal stop. (The host's own report of it is
        // filtered above, so it is logged here, with its stack trace, once.)
        var failed = new List<string>();
        foreach (BackgroundService service in app.Services.GetServices<IHostedService>().OfType<BackgroundService>())
        {
            if (service.ExecuteTask is { IsFaulted: true, Exception: { } error })
            {
                GatewayLog.ServiceFailed(log, service.GetType().Name, error.GetBaseException());
                failed.Add(service.GetType().Name + ": " + error.GetBaseException().Message);
            }
        }

        await DisposeQuietlyAsync(app);
        database.Dispose();
        outbox?.Dispose();
        if (failed.Count > 0)
        {
            return await FailAsync(ExitCodes.ServiceFailed, "A service failed and stopped the gateway: " + string.Join("; ", failed) + " (the log has the details)");
        }

        return ExitCodes.Ok;
    }

    // Oversized or malformed requests are the client's mistake: answer with their status, log nothing.
    private static async Task RefuseBadRequestsQuietly(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = ex.StatusCode;
            string error = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"request body larger than {MaxRequestBodyBytes} bytes" : "bad request";
            await context.Response.WriteAsJsonAsync(new { error });
        }
    }

    private static async Task DisposeQuietlyAsync(WebApplication app)
    {
        try
        {
            await app.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or AggregateException)
        {
            // Leaving anyway.
        }
    }

    private static async Task<int> FailAsync(int code, string line)
    {
        await Console.Error.WriteLineAsync(line);
        return code;
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}

/// <summary>Gateway-wide log messages (event ids 100-199).</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(100, LogLevel.Information, "Data directory: {Path}")]
    public static partial void DataDirectory(ILogger logger, string path);

    [LoggerMessage(101, LogLevel.Critical, "{Service} failed and stopped the gateway")]
    public static partial void ServiceFailed(ILogger logger, string service, Exception exception);
}
