using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Beacons;
using Edge.Gateway.Cloud;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Offers;

/// <summary>Domain event: an offer was made (published once decided; the cloud bridge takes it to the outbox).</summary>
public sealed record OfferTriggered(Offer Offer);

/// <summary>Registers app offers: the engine fed by presence events, <c>/api/offers</c> and <c>/api/offers/stats</c>.</summary>
public static class OffersRegistration
{
    /// <summary>Binds <c>Offers</c>, validated at start.</summary>
    public static IServiceCollection AddOffersOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<OffersOptions, OffersOptionsValidator>("Offers").Services;

    /// <summary>Adds the offer engine and the service that feeds it presence events.</summary>
    public static WebApplicationBuilder AddOffers(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOffersOptions();
        builder.Services.AddSingleton<OfferEngine>();
        builder.Services.AddSingleton<OfferMetrics>();
        builder.Services.AddSingleton(sp => new ShopperTokens(sp.GetRequiredService<IOptions<BeaconOptions>>().Value, sp.GetRequiredService<BeaconSecret>().Value));
        builder.Services.AddHostedService<OfferService>();
        return builder;
    }

    /// <summary>Maps <c>GET /api/offers?token=…</c> and <c>GET /api/offers/stats</c>.</summary>
    public static WebApplication MapOffers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/offers", (string? token, ShopperTokens tokens, OfferEngine engine, TimeProvider time) =>
        {
            DateTimeOffset now = time.GetUtcNow();
            // Malformed is the only thing said: a well-formed token never seen gets what one with no offer gets.
            if (tokens.Read(token, now) is not { } shopper)
            {
                return Results.BadRequest(new { error = "token must be the app's current token: 8 hex digits (iBeacon major and minor) or 16 (an Eddystone EID)" });
            }

            return Results.Ok(new
            {
                offers = engine.ValidFor(shopper.Name, shopper.Audience, now).Select(o => new
                {
                    offerId = o.OfferId, zone = o.Zone, promotionId = o.PromotionId, promotionVersion = o.PromotionVersion,
                    title = new { ja = o.Title.Ja, en = o.Title.En }, sku = o.Sku, price = o.Price, basePrice = o.BasePrice, currency = o.Currency, expiresAt = o.ExpiresAt,
                }),
            });
        });
        app.MapGet("/api/offers/stats", (OfferEngine engine, TimeProvider time) => engine.Stats(time.GetUtcNow()));
        return app;
    }
}

/// <summary>The one place offer events become cloud messages.</summary>
public static class OfferCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary><c>OfferTriggered</c> on the <c>offers</c> stream: the daily pseudonym, never an address or a token.</summary>
    public static OutboxEntry Of(OfferTriggered e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Offer o = e.Offer;
        return new OutboxEntry("offers", "OfferTriggered", CloudClasses.Offer, JsonSerializer.SerializeToUtf8Bytes(new
        {
            offerId = o.OfferId, subject = o.Subject, zone = o.Zone, promotionId = o.PromotionId, promotionVersion = o.PromotionVersion,
            sku = o.Sku, price = o.Price, basePrice = o.BasePrice, currency = o.Currency, expiresAt = o.ExpiresAt, timestamp = o.TriggeredAt,
        }, Json), Timestamp: o.TriggeredAt);
    }
}

/// <summary>Feeds presence events to the engine, publishes each offer made, and forgets shoppers who left, every minute.</summary>
internal sealed class OfferService(EventBus bus, OfferEngine engine, OfferMetrics metrics, TimeProvider time) : BackgroundService
{
    /// <summary>Presence events waiting for a decision, at most (oldest dropped, counted by the bus).</summary>
    public const int Capacity = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using Subscription<BeaconEvent> presence = bus.Subscribe<BeaconEvent>("offers", Capacity, FullPolicy.DropOldestAndResync);
        DateTimeOffset pruned = time.GetUtcNow();
        try
        {
            while (true)
            {
                Delivery<BeaconEvent> next = await presence.ReadAsync(stoppingToken);
                if (next.Event is { } e && engine.Decide(e) is { } decision)
                {
                    metrics.Decided(decision);
                    if (decision.Offer is { } offer)
                    {
                        bus.Publish(new OfferTriggered(offer));
                    }
                }

                if (time.GetUtcNow() - pruned > TimeSpan.FromMinutes(1))
                {
                    pruned = time.GetUtcNow();
                    engine.Prune(pruned);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
