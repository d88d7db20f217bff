using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using Edge.Cloud.Transport;
using Edge.Gateway.Beacons;
using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;
using Edge.Gateway.Offers;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.Simulation;
using Edge.Gateway.StoreData;

namespace Edge.Gateway.Tests.Commands;

/// <summary>
/// The gateway's own composition (shared services, then shelves, store data, cloud sync, beacons and the simulated
/// store, as <see cref="GatewayHost"/> adds them) with the cloud replaced by <see cref="AcceptsAndRecordsCloud"/>,
/// and every log line kept.
/// </summary>
internal sealed class CommandHost : IAsyncDisposable
{
    private readonly GatewayDatabase _database;
    private readonly GatewayDatabase _outbox;
    private HttpClient? _http;

    private CommandHost(WebApplication app, GatewayDatabase database, GatewayDatabase outbox, AcceptsAndRecordsCloud cloud, RecordingLogs logs)
    {
        App = app;
        _database = database;
        _outbox = outbox;
        Cloud = cloud;
        Logs = logs;
    }

    public WebApplication App { get; }

    public AcceptsAndRecordsCloud Cloud { get; }

    public RecordingLogs Logs { get; }

    /// <summary>A client of the host's HTTP endpoints (those of the omnichannel area are mapped).</summary>
    public HttpClient Http => _http ??= new HttpClient { BaseAddress = new Uri(App.Urls.First()) };

    public T Get<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<CommandHost> StartAsync(string dataDir)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = dataDir, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:DataDir"] = dataDir,
            ["Cloud:Mode"] = "Mqtt",
            ["Simulation:ShopperRatePerMinute"] = "0",
            ["Simulation:BeaconCapture"] = "false",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new RecordingLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);

        GatewayDatabase database = GatewayDatabase.Open(dataDir);
        GatewayDatabase outbox = GatewayDatabase.Open(dataDir, fileName: CloudRegistration.OutboxFile, verify: GatewayDatabase.VerifyAll);
        var layout = new ShelfLayout(DemoStoreLayout.Shelves(), Simulated: true);
        builder.Services.AddSharedServices(database, outbox);
        builder.AddShelves(layout);
        builder.AddStoreData();
        builder.AddOmnichannel();
        builder.AddCloudSync(CloudMode.Mqtt);
        builder.AddBeacons();
        builder.AddSignage(new ScreenList(DemoStoreLayout.Screens()));
        builder.AddOffers();
        builder.AddSimulation(layout);
        var cloud = new AcceptsAndRecordsCloud();
        builder.Services.AddSingleton<ICloudTransport>(cloud);

        WebApplication app = builder.Build();
        app.MapOmnichannel();
        app.MapSignage();
        app.MapOffers();
        await app.StartAsync();
        var host = new CommandHost(app, database, outbox, cloud, logs);
        await WaitUntilAsync(() => layout.Shelves.All(s => host.Get<StockBoard>().Get(s.Id) is { Counted: true }), "every shelf counted");
        return host;
    }

    /// <summary>Waits for <paramref name="condition"/>, failing with <paramref name="what"/> after 60 s.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "timed out waiting for " + what);
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _database.Dispose();
        _outbox.Dispose();
    }
}

/// <summary>Keeps every log line (category and formatted message).</summary>
internal sealed class RecordingLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> _lines = new();

    public IReadOnlyCollection<(string Category, LogLevel Level, string Message)> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
