using System.Diagnostics.Metrics;
using Edge.Gateway.Observability;

namespace Edge.Gateway.Shelves;

/// <summary>
/// What the shelves count for metrics that nothing counted before: journaled shelf events by kind and how long each
/// journal commit took. Recorded on the journal's thread after the commit returned (a counter add and a histogram
/// record: no allocation, no wait).
/// </summary>
public sealed class ShelfMetrics
{
    // A commit is one LiteDB transaction with its log write: milliseconds on an SD card, seconds when it struggles.
    private static readonly double[] CommitBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // The enum's names, once: a tag value per event must not allocate a string.
    private static readonly string[] Kinds = Enum.GetNames<ShelfEventType>();

    private readonly Counter<long> _events;
    private readonly Histogram<double> _commit;

    /// <summary>Creates the instruments on the gateway's meter.</summary>
    public ShelfMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter meter = meters.Create(ObservabilityRegistration.MeterName);
        _events = meter.CreateCounter<long>("edge.shelf.events", "{event}", "Shelf events journaled, by kind (the cloud contract's event type: ItemsRemoved, ItemsAdded, Restocked, LowStock, …)");
        _commit = meter.CreateHistogram("edge.journal.commit.duration", "s", "Time of one shelf-journal commit (events and stock rows in one LiteDB transaction)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitBuckets });
        // Every kind from 0: a series that appears only with its first event has no rate() until its second.
        foreach (string kind in Kinds)
        {
            _events.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>One successful commit of <paramref name="events"/> that took <paramref name="took"/>.</summary>
    public void Committed(IReadOnlyList<ShelfEvent> events, TimeSpan took)
    {
        ArgumentNullException.ThrowIfNull(events);
        _commit.Record(took.TotalSeconds);
        foreach (ShelfEvent e in events)
        {
            _events.Add(1, new KeyValuePair<string, object?>("kind", KindOf(e.Type)));
        }
    }

    private static string KindOf(ShelfEventType type) => (int)type < Kinds.Length ? Kinds[(int)type] : type.ToString();
}
