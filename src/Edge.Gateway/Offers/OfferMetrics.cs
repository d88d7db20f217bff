using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Edge.Gateway.Observability;

namespace Edge.Gateway.Offers;

/// <summary>
/// Offers made and withheld since start, for metrics: <see cref="OfferStats"/> counts the store-local day and starts
/// again at midnight, which a monotonic counter must not do. Counted here and observed by the reader, so every zone of
/// the shelves and every reason is reported from 0 whenever a reader starts listening.
/// </summary>
public sealed class OfferMetrics
{
    private static readonly string[] Reasons = [.. Enum.GetNames<SuppressedBy>().Select(n => char.ToLowerInvariant(n[0]) + n[1..])];

    // Zones come from configuration (receivers and shelves), so the dictionary stays small.
    private readonly ConcurrentDictionary<string, StrongBox> _triggered = new(StringComparer.Ordinal);
    private readonly long[] _suppressed = new long[Reasons.Length];

    /// <summary>Creates the instruments on the gateway's meter.</summary>
    public OfferMetrics(IMeterFactory meters, Shelves.ShelfLayout layout)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(layout);
        foreach (string zone in layout.Shelves.Select(s => s.Zone))
        {
            _triggered.TryAdd(zone, new StrongBox());
        }

        Meter meter = meters.Create(ObservabilityRegistration.MeterName);
        meter.CreateObservableCounter("edge.offers.triggered", ObserveTriggered, "{offer}", "App offers made, by zone");
        meter.CreateObservableCounter("edge.offers.suppressed", ObserveSuppressed, "{offer}", "Presence triggers that made no offer, by reason (as /api/offers/stats names them)");
    }

    /// <summary>Counts one decision of the engine.</summary>
    public void Decided(OfferDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Offer is not null)
        {
            Interlocked.Increment(ref _triggered.GetOrAdd(decision.Zone, _ => new StrongBox()).Value);
        }
        else if (decision.Reason is { } reason && (uint)reason < (uint)_suppressed.Length)
        {
            Interlocked.Increment(ref _suppressed[(int)reason]);
        }
    }

    private IEnumerable<Measurement<long>> ObserveTriggered() =>
        _triggered.Select(kv => new Measurement<long>(Interlocked.Read(ref kv.Value.Value), new KeyValuePair<string, object?>("zone", kv.Key)));

    private IEnumerable<Measurement<long>> ObserveSuppressed() =>
        Reasons.Select((r, i) => new Measurement<long>(Interlocked.Read(ref _suppressed[i]), new KeyValuePair<string, object?>("reason", r)));

    private sealed class StrongBox
    {
        public long Value;
    }
}
