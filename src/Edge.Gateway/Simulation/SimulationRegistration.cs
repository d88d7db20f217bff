using System.Device.Gpio;
using System.Device.Spi;
using Edge.Drivers.Lights.Simulation;
using System.Text.Json;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Simulation;

/// <summary>Registers the simulated store and its endpoints (simulation mode only).</summary>
public static class SimulationRegistration
{
    /// <summary>Largest number of items one simulated pick or put may move.</summary>
    public const int MaxItemsPerAction = 100;

    /// <summary>Heaviest test weight a technician may put on a simulated shelf, in grams (the cell's capacity is 10 kg).</summary>
    public const double MaxTestGrams = 5000;

    /// <summary>Longest a simulated case door is opened by <c>POST /api/simulation/cases/{caseId}/door</c> (an hour).</summary>
    public const double MaxDoorSeconds = 3600;

    /// <summary>Binds <c>Simulation</c>, validated at start.</summary>
    public static IServiceCollection AddSimulationOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<SimulationOptions, SimulationOptionsValidator>("Simulation").Services;

    /// <summary>Minutes of the busy-store beacon capture replayed by default.</summary>
    public const int CaptureMinutes = 12;

    /// <summary>
    /// Puts the simulated store's GPIO board under the shelves, runs its shoppers, and fills in the beacon settings the
    /// configuration leaves empty with the simulated store's (they match <c>ble simulate-capture</c>), replaying its
    /// capture (from the temporary directory) unless told otherwise. With <paramref name="onlineShop"/>, seeds the demo store data and plays the online shop.
    /// </summary>
    public static WebApplicationBuilder AddSimulation(this WebApplicationBuilder builder, ShelfLayout layout, bool onlineShop = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(layout);
        builder.Services.AddSimulationOptions();
        builder.Services.AddOptions<Beacons.BeaconOptions>().PostConfigure<IOptions<SimulationOptions>>((b, simulation) =>
        {
            SimulatedBeaconCapture.FillIn(b);
            if (b.ReplayFile is null && simulation.Value.BeaconCapture)
            {
                b.ReplayFile = WriteCapture(simulation.Value.Seed);
            }
        });
        // The demo shelves get the demo strip unless the configuration says anything of pick-to-light's own.
        builder.Services.AddOptions<PickToLight.PickToLightOptions>().PostConfigure<IConfiguration>((p, configuration) =>
        {
            if (!configuration.GetSection("Shelves").GetChildren().Any() && p.Shelves.Count == 0 && configuration["PickToLight:Enabled"] is null)
            {
                DemoStoreLayout.FillInPickToLight(p, layout.Shelves);
            }
        });
        // The strip's SPI device is a simulated WS2812B strip that decodes the bit stream the real binding sends.
        builder.Services.AddSingleton<Func<SpiDevice>>(sp =>
        {
            PickToLight.PickToLightOptions p = sp.GetRequiredService<IOptions<PickToLight.PickToLightOptions>>().Value;
            return () => new SimulatedWs2812Strip(Math.Max(1, p.Length), p.SpiBus, p.ChipSelect);
        });
        if (onlineShop)
        {
            builder.Services.AddHostedService<SimulatedOnlineShop>();
        }

        builder.Services.AddSingleton(sp => new SimulatedStore(
            layout.Shelves,
            sp.GetRequiredService<IOptions<SimulationOptions>>().Value,
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DataDir,
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<Func<GpioController>>(sp => () => new GpioController(sp.GetRequiredService<SimulatedStore>().Board));
        builder.Services.AddHostedService<ShopperService>();
        // Registered after the hardware's: the cases' sensors are the simulated store's chips.
        builder.Services.AddSingleton(sp => new SimulatedCaseSensors(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<SimulationOptions>>().Value.Seed));
        builder.Services.AddSingleton<Temperature.ICaseSensorFactory>(sp => sp.GetRequiredService<SimulatedCaseSensors>());
        return builder;
    }

    /// <summary>Maps <c>POST /api/simulation/shelves/{shelfId}/pick</c> and <c>/put</c> with <c>{"items": N}</c>, and what the simulation shows of itself.</summary>
    public static WebApplication MapSimulation(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/simulation/shelves/{shelfId}/pick", (string shelfId, HttpRequest request, SimulatedStore store) => Act(shelfId, request, store, pick: true));
        app.MapPost("/api/simulation/shelves/{shelfId}/put", (string shelfId, HttpRequest request, SimulatedStore store) => Act(shelfId, request, store, pick: false));
        app.MapPost("/api/simulation/shelves/{shelfId}/empty", (string shelfId, SimulatedStore store) =>
        {
            if (store.Shelf(shelfId) is not { } shelf)
            {
                return Results.NotFound(new { error = $"no shelf '{shelfId}'" });
            }

            shelf.InService = true;
            return Results.Ok(new { shelfId, removed = shelf.Empty(), inService = true });
        });
        app.MapPost("/api/simulation/shelves/{shelfId}/weight", async (string shelfId, HttpRequest request, SimulatedStore store) =>
        {
            if (store.Shelf(shelfId) is not { } shelf)
            {
                return Results.NotFound(new { error = $"no shelf '{shelfId}'" });
            }

            if (await ReadGramsAsync(request) is not { } grams)
            {
                return Results.BadRequest(new { error = $"body must be JSON like {{\"grams\": 500}}, from 0 (remove the weight) to {MaxTestGrams}" });
            }

            shelf.InService = true;
            shelf.TestWeightGrams = grams;
            return Results.Ok(new { shelfId, grams, inService = true });
        });
        app.MapGet("/api/simulation/shelves", (ShelfLayout layout, SimulatedStore store) =>
            Results.Json(layout.Shelves.Select(s => new { shelfId = s.Id, items = store.ItemsOn(s.Id) })));
        app.MapGet("/api/simulation/shoppers", (SimulatedStore store, IOptions<SimulationOptions> options) =>
            Results.Json(new { actions = store.Actions, requestedPerMinute = options.Value.ShopperRatePerMinute }));
        app.MapGet("/api/simulation/cases", (Temperature.ChilledCases cases, SimulatedCaseSensors sensors, TimeProvider time) =>
            Results.Json(cases.Cases.Select(c => sensors.Case(c.Id) is { } s ? new { caseId = c.Id, celsius = (double?)Math.Round(s.Celsius, 2), doorOpen = s.DoorOpen(time.GetUtcNow()) } : new { caseId = c.Id, celsius = (double?)null, doorOpen = false })));
        app.MapPost("/api/simulation/cases/{caseId}/door", async (string caseId, HttpRequest request, SimulatedCaseSensors sensors, TimeProvider time) =>
        {
            if (sensors.Case(caseId) is not { } chilled)
            {
                return Results.NotFound(new { error = $"no simulated case '{caseId}'" });
            }

            if (await ReadNumberAsync(request, "seconds", 1, MaxDoorSeconds) is not { } seconds)
            {
                return Results.BadRequest(new { error = $"body must be JSON like {{\"seconds\": 30}}, from 1 to {MaxDoorSeconds}" });
            }

            chilled.OpenDoor(time.GetUtcNow(), TimeSpan.FromSeconds(seconds));
            return Results.Ok(new { caseId, seconds });
        });
        return app;
    }

    // About 4 MB, written once to the temporary directory (not the data directory: it is a demo's input, not state, and
    // has no business on the SD card), and replayed from its start at each start of the gateway. Best effort: without
    // room for it, the simulated store has no shoppers' phones, and says so as "no Bluetooth".
    private static string? WriteCapture(int seed)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edge-gateway-simulated-store-{seed}-{CaptureMinutes}min.btsnoop");
        string part = $"{path}.{Environment.ProcessId}.part";
        try
        {
            if (!File.Exists(path))
            {
                using (FileStream stream = File.Create(part))
                {
                    new SimulatedBeaconCapture(seed).Write(stream, DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(CaptureMinutes));
                }

                File.Move(part, path, overwrite: true);
            }

            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(part);
            return null;
        }
    }

    private static async Task<IResult> Act(string shelfId, HttpRequest request, SimulatedStore store, bool pick)
    {
        (int? items, string? error) = await ReadItemsAsync(request);
        if (items is null)
        {
            return Results.BadRequest(new { error });
        }

        SimulatedActionResult result = pick ? store.Pick(shelfId, items.Value) : store.Put(shelfId, items.Value);
        if (!pick && store.Shelf(shelfId) is { } restocked)
        {
            restocked.InService = false; // items back on the shelf: the technician is done with it
        }

        return result switch
        {
            SimulatedActionResult.Done => Results.Ok(new { shelfId, items = store.ItemsOn(shelfId) }),
            SimulatedActionResult.UnknownShelf => Results.NotFound(new { error = $"no shelf '{shelfId}'" }),
            SimulatedActionResult.NoRoom => Results.Conflict(new { error = $"shelf '{shelfId}' holds {store.ItemsOn(shelfId)} items and has room for {store.CapacityOf(shelfId) - store.ItemsOn(shelfId)} more" }),
            _ => Results.Conflict(new { error = $"shelf '{shelfId}' holds only {store.ItemsOn(shelfId)} items" }),
        };
    }

    private static Task<double?> ReadGramsAsync(HttpRequest request) => ReadNumberAsync(request, "grams", 0, MaxTestGrams);

    private static async Task<double?> ReadNumberAsync(HttpRequest request, string name, double min, double max)
    {
        try
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out JsonElement g)
                && g.ValueKind == JsonValueKind.Number && g.GetDouble() is var value && value >= min && value <= max ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<(int? Items, string? Error)> ReadItemsAsync(HttpRequest request)
    {
        const string Expected = "body must be JSON like {\"items\": 1}";
        try
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("items", out JsonElement items))
            {
                return (null, Expected);
            }

            if (items.ValueKind != JsonValueKind.Number || !items.TryGetInt32(out int n) || n < 1 || n > MaxItemsPerAction)
            {
                return (null, $"items must be a whole number from 1 to {MaxItemsPerAction}");
            }

            return (n, null);
        }
        catch (JsonException)
        {
            return (null, Expected);
        }
    }
}

/// <summary>Runs the simulated shoppers for the life of the gateway.</summary>
internal sealed class ShopperService(SimulatedStore store) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await store.RunShoppersAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
