using System.Runtime.InteropServices;
using Edge.Gateway.Admin;
using Edge.Gateway.Beacons;
using Edge.Gateway.Clock;
using Edge.Gateway.Cloud;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.Dashboard;
using Edge.Gateway.Observability;
using Edge.Gateway.Offers;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.PickToLight;
using Edge.Gateway.Simulation;
using Edge.Gateway.StoreData;
using Edge.Gateway.Temperature;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Edge.Gateway.Hosting;

/// <summary>
/// The one place that composes the gateway: configuration checked before anything starts, the shared services once
/// (clock, options, databases, event bus, command dispatcher, health), then one <c>Add…</c> and one <c>Map…</c> per
/// area. Every way it can fail is an exit code with one line on stderr (see <see cref="ExitCodes"/>).
/// </summary>
public static partial class GatewayHost
{
    /// <summary>Largest HTTP request body accepted (every endpoint takes a few bytes of JSON).</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    // Not a process exit code: the admin API changed the layout and the host runs again in the same process.
    private const int Restart = -1;

    /// <summary>
    /// Runs the gateway with <paramref name="overrides"/> (from the command line) over appsettings.json, the data
    /// directory's site.json and secrets.json, and the environment; returns the exit code. A layout change through the
    /// admin API stops the host and runs it again here, with the same lock on the data directory.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(overrides);

        // Everything the gateway writes is for its own user: the lock, the journal, the outbox, the beacon secret.
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0x3F); // 077
        }

        string dataDir;
        try
        {
            dataDir = ConfigurationLayers.DataDir(overrides);
        }
        catch (InvalidDataException ex)
        {
            return await FailAsync(ExitCodes.InvalidConfiguration, $"Invalid configuration: {ConfigurationLayers.Describe(ex)}");
        }

        GatewayInstance? instance;
        try
        {
            // A CLI command working on the data directory holds the lock for a moment: wait for it.
            instance = GatewayInstance.TryAcquire(dataDir, TimeSpan.FromSeconds(15));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await FailAsync(ExitCodes.InvalidConfiguration, $"Cannot use the data directory: {ex.Message}");
        }

        if (instance is null)
        {
            return await FailAsync(ExitCodes.InvalidConfiguration, $"Cannot use the data directory: another gateway runs on {dataDir} (it holds {GatewayInstance.LockFile})");
        }

        using (instance)
        {
            int exit;
            do
            {
                exit = await RunOnceAsync(overrides, dataDir, instance, cancellationToken);
            }
            while (exit == Restart && !cancellationToken.IsCancellationRequested);

            return exit == Restart ? ExitCodes.Ok : exit;
        }
    }

    private static async Task<int> RunOnceAsync(IReadOnlyDictionary<string, string?> overrides, string dataDir, GatewayInstance instance, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        }
        catch (InvalidDataException ex)
        {
            return await FailAsync(ExitCodes.InvalidConfiguration, $"Invalid configuration: {ConfigurationLayers.Describe(ex)}");
        }

        try
        {
            SiteFiles.AddTo(builder.Configuration, dataDir);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            return await FailAsync(ExitCodes.InvalidConfiguration, $"Invalid configuration: {ConfigurationLayers.Describe(ex)}");
        }

        builder.Configuration.AddInMemoryCollection(overrides);

        // Every area's options, bound and validated through the same registrations the host uses: all bad keys at once.
        if (!GatewayConfiguration.TryLoad(builder.Configuration, out GatewayConfiguration? settings, out List<string> problems))
        {
            foreach (string problem in problems)
            {
                await Console.Error.WriteLineAsync("Invalid configuration: " + problem);
            }

            return ExitCodes.InvalidConfiguration;
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
        var layout = new ShelfLayout(settings.Shelves.Count > 0 || !simulate ? settings.Shelves : DemoStoreLayout.Shelves(), simulate);
        // The simulated store's screens stand by its demo shelves; configured shelves get only configured screens.
        var screens = new ScreenList(settings.Screens.Screens.Count > 0 || settings.Shelves.Count > 0 || !simulate ? settings.Screens.Screens : DemoStoreLayout.Screens());
        // The simulated store's case stands by its demo shelves, as its screens do.
        bool demoCases = settings.Temperature.Cases.Count == 0 && settings.Shelves.Count == 0 && simulate;
        var cases = new ChilledCases(demoCases ? DemoStoreLayout.ChilledCases() : settings.Temperature.Cases);
        if (settings.ProblemsWith(layout).ToList() is { Count: > 0 } screenProblems)
        {
            foreach (string problem in screenProblems)
            {
                await Console.Error.WriteLineAsync("Invalid configuration: " + problem);
            }

            return ExitCodes.InvalidConfiguration;
        }

        builder.AddRtc(settings.Rtc, simulate);
        builder.AddGatewayServices(settings, database, outbox);
        AdminListeners admin = builder.AddAdmin(settings.Admin, settings.Gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), simulate, new SiteContext(dataDir, overrides));
        builder.AddShelves(layout);
        builder.AddStoreData();
        builder.AddOmnichannel();
        builder.AddPickToLight();
        builder.AddCloudSync(settings.Cloud.Mode);
        builder.AddBeacons();
        builder.AddSignage(screens);
        builder.AddOffers();
        builder.AddTemperature(cases);
        if (demoCases && builder.Configuration["Temperature:Interval"] is null)
        {
            builder.Services.PostConfigure<TemperatureOptions>(o => o.Interval = DemoStoreLayout.CaseInterval);
        }
        builder.AddDashboard();
        builder.AddObservability();
        if (simulate)
        {
            builder.AddSimulation(layout, onlineShop: settings.Simulation.OnlineShop && settings.Cloud.Mode == CloudMode.None);
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
        app.MapGatewayHealth();
        app.MapShelves();
        app.MapBeacons();
        app.MapOmnichannel();
        app.MapPickToLight();
        app.MapSignage();
        app.MapOffers();
        app.MapTemperature();
        app.MapClock();
        app.MapDashboard();
        app.MapAdmin();
        app.MapObservability();
        if (simulate)
        {
            app.MapSimulation();
        }

        // What a newcomer needs first: where to look, and what is running.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            GatewayLog.Open(log, DashboardUrl(app.Urls), simulate ? "simulated" : "hardware", layout.Shelves.Count, screens.Screens.Count);
            string adminUrl = AdminUrl(app.Urls, admin);
            AdminLog.Listening(log, adminUrl + "admin");
            instance.Advertise(adminUrl);
        });
        GatewayRestart restart = app.Services.GetRequiredService<GatewayRestart>();
        int exit = await RunToEndAsync(app, settings.Gateway.Urls, log, cancellationToken);
        database.Dispose();
        outbox?.Dispose();
        return exit == ExitCodes.Ok && restart.Requested ? Restart : exit;
    }

    /// <summary>
    /// The shared services, once: the clock, the host's own options, the databases, the event bus, the command
    /// dispatcher and health. Every area may use them without caring who registered what first.
    /// </summary>
    internal static IServiceCollection AddSharedServices(this IServiceCollection services, GatewayDatabase database, GatewayDatabase? outbox)
    {
        services.TryAddSingleton(TimeProvider.System);
        GatewayConfiguration.AddHostOptions(services);
        services.AddSingleton(database);
        if (outbox is not null)
        {
            services.AddKeyedSingleton(CloudRegistration.OutboxFile, outbox);
        }

        services.AddSingleton<EventBus>();
        services.AddSingleton<CommandDispatcher>();
        services.AddHealthChecks();
        return services;
    }

    private static void AddGatewayServices(this WebApplicationBuilder builder, GatewayConfiguration settings, GatewayDatabase database, GatewayDatabase? outbox)
    {
        builder.Services.AddSharedServices(database, outbox);
        builder.WebHost.UseUrls(settings.Gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        // The host's own "failed to start" and "service failed" reports repeat, with a stack trace, what RunToEndAsync
        // says in one line; the service failure is logged there once, with its stack trace, into the log. When start
        // fails, it also reports as failed each service that was cancelled before it ran: not a failure at all.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
    }

    private static async Task<int> RunToEndAsync(WebApplication app, string urls, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Port taken, an address the machine does not have. The services that started before the listener failed
            // are stopped first: left running, they met the databases disposed under them and logged it.
            await StopQuietlyAsync(app);
            await DisposeQuietlyAsync(app);
            return await FailAsync(ExitCodes.CannotListen, $"Cannot listen on {urls}: {ex.Message}");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        await app.StopAsync(CancellationToken.None);

        // A service that failed stopped the host: that is not a normal stop.
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
        return failed.Count > 0
            ? await FailAsync(ExitCodes.ServiceFailed, "A service failed and stopped the gateway: " + string.Join("; ", failed) + " (the log has the details)")
            : ExitCodes.Ok;
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

    private static async Task StopQuietlyAsync(WebApplication app)
    {
        try
        {
            await app.StopAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or AggregateException or OperationCanceledException)
        {
            // Leaving anyway.
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

    // The admin listener's bound address (its real port, when configured as 0), else the gateway's own.
    private static string AdminUrl(ICollection<string> bound, AdminListeners admin)
    {
        string? url = admin.Urls.Length == 0 ? null : bound.FirstOrDefault(u => GatewayOptions.ListenUri(u) is { } uri && admin.Ports.Contains(uri.Port)) ?? admin.Urls[0];
        return DashboardUrl(url is null ? bound : [url]);
    }

    // A wildcard address is not something to type into a browser.
    private static string DashboardUrl(ICollection<string> urls)
    {
        string url = urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) ?? urls.FirstOrDefault() ?? "http://localhost:8080";
        var uri = new UriBuilder(GatewayOptions.ListenUri(url) ?? new Uri("http://localhost:8080"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*")
        {
            uri.Host = "localhost";
        }

        return uri.Uri.ToString();
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

    [LoggerMessage(102, LogLevel.Information, "Open {Url} for the store dashboard ({Mode}: {Shelves} shelves, {Screens} screens)")]
    public static partial void Open(ILogger logger, string url, string mode, int shelves, int screens);

    [LoggerMessage(101, LogLevel.Critical, "{Service} failed and stopped the gateway")]
    public static partial void ServiceFailed(ILogger logger, string service, Exception exception);
}
