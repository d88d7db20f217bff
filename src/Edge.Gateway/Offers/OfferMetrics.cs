using System.Diagnostics.Metrics;
using Edge.Gateway.Observability;

namespace Edge.Gateway.Offers;

/// <summary>
/// Offers made and withheld since start, for metrics: <see cref="OfferStats"/> counts the store-local day and starts
/// again at midnight, which a monotonic counter must not do.
/// </summary>
public sealed class OfferMetrics
{
    private static readonly string[] Reasons = [.. Enum.GetNames<SuppressedBy>().Select(n => char.ToLowerInvariant(n[0]) + n[1..])];

    private readonly Counter<long> _triggered;
    private readonly Counter<long> _suppressed;

    /// <summary>Creates the instruments on the gateway's meter.</summary>
    public OfferMetrics(IMeterFactory meters, Shelves.ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(layout);
        Meter meter = meters.Create(ObservabilityRegistration.MeterName);
        _triggered = meter.CreateCounter<long>("edge.offers.triggered", "{offer}", "App offers made, by zone");
        _suppressed = meter.CreateCounter<long>("edge.offers.suppressed", "{offer}", "Presence triggers that made no offer, by reason (as /api/offers/stats names them)");
        // Every zone and reason from 0, so that rate() works from the first offer on.
        foreach (string zone in layout.Shelves.Select(s => s.Zone).Distinct(StringComparer.Ordinal))
        {
            _triggered.Add(0, new KeyValuePair<string, object?>("zone", zone));
        }

        foreach (string reason in Reasons)
        {
            _suppressed.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>Counts one decision of the engine.</summary>
    public void Decided(OfferDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Offer is not null)
        {
            _triggered.Add(1, new KeyValuePair<string, object?>("zone", decision.Zone));
        }
        else if (decision.Reason is { } reason)
        {
            _suppressed.Add(1, new KeyValuePair<string, object?>("reason", Reasons[(int)reason]));
        }
    }
}
