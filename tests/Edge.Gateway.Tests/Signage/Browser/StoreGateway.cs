using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>
/// The real gateway process on the simulated store, for the pages to talk to: no shopper picks, no BLE replay, on a
/// port of its own that stays the same across <see cref="Kill"/> and <see cref="StartAgainAsync"/>.
/// </summary>
public sealed class StoreGateway : IDisposable
{
    public static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);

    private readonly Dictionary<string, string> _settings;
    private GatewayProcess _process;

    private StoreGateway(Dictionary<string, string> settings, string dataDir, int port)
    {
        _settings = settings;
        DataDir = dataDir;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        _process = Launch();
    }

    public string DataDir { get; }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>A client for this gateway's port (the same after a restart).</summary>
    public HttpClient Http { get; }

    public string Output => _process.Output;

    /// <summary>Starts the gateway with <paramref name="settings"/> (environment form, <c>Cloud__Mode</c>) and waits until it is ready.</summary>
    public static async Task<StoreGateway> StartAsync(IDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["Simulation__BeaconCapture"] = "false" };
        var gateway = new StoreGateway(all, Directory.CreateTempSubdirectory("edge-signage-browser-").FullName, GatewayProcess.FreePort());
        await gateway.WaitForReadyAsync();
        return gateway;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Starts the gateway again on the same port and data directory, and waits until it is ready.</summary>
    public async Task StartAgainAsync()
    {
        _process.Dispose();
        _process = Launch();
        await WaitForReadyAsync();
    }

    public async Task<JsonElement> GetAsync(string path) => await Http.GetFromJsonAsync<JsonElement>(path);

    public Task<JsonElement> ContentAsync(string screenId) => GetAsync($"/api/screens/{screenId}/content");

    public Task<JsonElement> PriceAsync(string sku) => GetAsync($"/api/prices?sku={sku}&channel=store");

    /// <summary>The committed count of a shelf (<c>/api/stock</c>), null while it is not counted.</summary>
    public async Task<int?> CountAsync(string shelfId)
    {
        JsonElement row = (await GetAsync("/api/stock")).EnumerateArray().Single(r => r.GetProperty("shelfId").GetString() == shelfId);
        return row.GetProperty("count").ValueKind == JsonValueKind.Null ? null : row.GetProperty("count").GetInt32();
    }

    /// <summary>Takes one item off a simulated shelf.</summary>
    public async Task PickAsync(string shelfId)
    {
        using HttpResponseMessage response = await Http.PostAsync($"/api/simulation/shelves/{shelfId}/pick", JsonContent.Create(new { items = 1 }));
        Assert.True(response.IsSuccessStatusCode, $"pick on {shelfId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Polls <c>/api/stock</c> until <paramref name="shelfId"/> shows <paramref name="count"/>; returns when it first did.</summary>
    public async Task<DateTimeOffset> WaitForCountAsync(string shelfId, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        int? last = null;
        while (clock.Elapsed < timeout)
        {
            last = await CountAsync(shelfId);
            if (last == count)
            {
                return DateTimeOffset.UtcNow;
            }

            await Task.Delay(10);
        }

        Assert.Fail($"/api/stock never showed {count} on {shelfId} within {timeout} (last {last})\n{Output}");
        return default;
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }

    private GatewayProcess Launch() =>
        GatewayProcess.Start(DataDir, ["--sim-shopper-rate", "0"], _settings, urls: BaseUrl);

    private async Task WaitForReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyDeadline)
        {
            Assert.False(_process.HasExited, $"gateway exited while starting:\n{Output}");
            try
            {
                using HttpResponseMessage ready = await Http.GetAsync("/readyz");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        Assert.Fail($"gateway not ready on {Port} within {ReadyDeadline}:\n{Output}");
    }

    /// <summary>A price in minor units as the page writes it in <c>data-price</c>: in the currency's unit with its digits.</summary>
    public static string Major(long minor, int digits) =>
        (minor / (decimal)Math.Pow(10, digits)).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>The demo store as a newcomer sees it: no cloud, so the simulated online shop seeds catalog, promotions and online stock.</summary>
public sealed class DemoStore : IAsyncLifetime
{
    public StoreGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await StoreGateway.StartAsync();

    public Task DisposeAsync()
    {
        Gateway?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The simulated store with nothing moving on its own (no online shop, no shoppers): counts change only by the tests' picks.</summary>
public sealed class QuietStore : IAsyncLifetime
{
    public StoreGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await StoreGateway.StartAsync(new Dictionary<string, string> { ["Simulation__OnlineShop"] = "false" });

    public Task DisposeAsync()
    {
        Gateway?.Dispose();
        return Task.CompletedTask;
    }
}
