using Edge.Gateway.Hosting;
using Edge.Gateway.StoreData;
using Edge.Promotions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Omnichannel;

/// <summary>Registers prices, availability and the freshness contract, and maps <c>/api/prices</c> and <c>/api/availability</c>.</summary>
public static class OmnichannelRegistration
{
    /// <summary>Binds <c>Omnichannel</c>, validated at start.</summary>
    public static IServiceCollection AddOmnichannelOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<OmnichannelOptions, OmnichannelOptionsValidator>("Omnichannel").Services;

    /// <summary>Adds the clock guard, the price service, availability and its publisher.</summary>
    public static WebApplicationBuilder AddOmnichannel(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOmnichannelOptions();
        builder.Services.AddSingleton<StoreClock>();
        builder.Services.AddSingleton<PriceService>();
        builder.Services.AddSingleton<AvailabilityCalculator>();
        builder.Services.AddSingleton<AvailabilityPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AvailabilityPublisher>());
        builder.Services.AddHealthChecks().AddCheck<StoreDataHealthCheck>("store-data", tags: [GatewayHealth.Live]);
        return builder;
    }

    /// <summary>Maps <c>GET /api/prices</c> and <c>GET /api/availability</c>.</summary>
    public static WebApplication MapOmnichannel(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/prices", (string? sku, string? channel, string? at, string? audience, PriceService prices) =>
        {
            if (string.IsNullOrEmpty(sku))
            {
                return Results.BadRequest(new { error = "sku is required: /api/prices?sku=…&channel=store|online|app&at=…" });
            }

            Channel ch;
            DateTimeOffset? instant;
            try
            {
                ch = PromotionJson.ParseChannel(channel ?? "store", "channel");
                instant = at is null ? null : PromotionJson.ParseInstant(at, "at");
            }
            catch (PromotionFormatException ex)
            {
                return Results.BadRequest(new { error = ex.Message });
            }

            return prices.Price(sku, ch, instant, audience) is { } p
                ? Results.Ok(new
                {
                    sku = p.Sku,
                    channel = p.Channel,
                    at = p.At,
                    currency = p.Currency,
                    price = p.Price,
                    basePrice = p.BasePrice,
                    priceSource = p.PriceSource,
                    promotions = p.Promotions.Select(x => new { id = x.Id, version = x.Version, title = new { ja = x.Title.Ja, en = x.Title.En }, end = x.End }),
                    multibuy = p.Multibuy,
                    versions = new { catalog = p.CatalogVersion, promotions = p.PromotionsVersion },
                    clockPlausible = p.ClockPlausible,
                })
                : Results.NotFound(new { error = $"no product '{sku}': neither the catalog nor a shelf has it" });
        });
        app.MapGet("/api/availability", (string? sku, AvailabilityCalculator availability, TimeProvider time) => sku switch
        {
            null => Results.Ok(availability.All()),
            "" => Results.BadRequest(new { error = "sku is empty: leave it out for every SKU" }),
            _ => Results.Ok(availability.Of(sku, time.GetUtcNow())),
        });
        return app;
    }
}

/// <summary>
/// Store data for <c>/healthz</c>: each kind's version, age, items and whether it is stale, where prices come from,
/// and whether the clock is trusted. Never unhealthy: the store sells without the cloud's data, and says so.
/// </summary>
internal sealed class StoreDataHealthCheck(StoreDataView data, StoreClock clock, TimeProvider time, IOptions<OmnichannelOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        clock.Check();
        var kinds = new Dictionary<string, object?>();
        foreach (string kind in StoreDataKinds.All)
        {
            TimeSpan maxAge = kind == StoreDataKinds.OnlineStock ? options.Value.OnlineStockMaxAge : options.Value.StoreDataMaxAge;
            kinds[kind] = data.VersionOf(kind) is { } v
                ? new { version = v.Version, items = v.Items, receivedAt = v.ReceivedAt, ageSeconds = (long)(now - v.ReceivedAt).TotalSeconds, stale = now - v.ReceivedAt > maxAge }
                : new { version = (long?)null, items = 0, receivedAt = (DateTimeOffset?)null, ageSeconds = (long?)null, stale = true };
        }

        return Task.FromResult(HealthCheckResult.Healthy(data: new Dictionary<string, object>
        {
            ["storeData"] = kinds,
            ["prices"] = new
            {
                source = data.VersionOf(StoreDataKinds.Catalog) is null ? "shelf (no catalog has arrived: the shelves' configured prices are shown)" : "catalog",
                clock = new { plausible = clock.Plausible, reason = clock.Reason, buildDate = clock.BuildDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
            },
        }));
    }
}
