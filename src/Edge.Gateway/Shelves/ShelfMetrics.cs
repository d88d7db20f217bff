using System.Diagnostics.Metrics;
using Edge.Gateway.Observability;

namespace Edge.Gateway.Shelves;

/// <summary>
/// What the shelves count for metrics that nothing counted before: journaled shelf events by kind and how long each
/// journal commit took. Recorded on the journal's thread after the commit returned (an interlocked add and a histogram
/// record: no allocation, no wait). The events are counted here and observed by the reader, so that every kind is
/// reported from 0 as soon as a reader listens (a series that appears only with its first event has no rate() until its
/// second), whenever that reader started.
/// </summary>
public sealed class ShelfMetrics
{
    // A commit is one LiteDB transaction with its log write: milliseconds on an SD card, seconds when it struggles.
    private static readonly double[] CommitBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // The enum's names, in the order of its values (0, 1, …).
    private static readonly string[] Kinds = Enum.GetNames<ShelfEventType>();

    private readonly long[] _events = new long[Kinds.Length];
    private readonly Histogram<double> _commit;

    /// <summary>Creates the instruments on the gateway's meter.</summary>
    public ShelfMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter meter = meters.Create(ObservabilityRegistration.MeterName);
        meter.CreateObservableCounter("edge.shelf.events", Observe, "{event}", "Shelf events journaled, by kind (the cloud contract's event type: ItemsRemoved, ItemsAdded, Restocked, LowStock, …)");
        _commit = meter.CreateHistogram("edge.journal.commit.duration", "s", "Time of one shelf-journal commit (events and stock rows in one LiteDB transaction)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitBuckets });
    }

    /// <summary>One successful commit of <paramref name="events"/> that took <paramref name="took"/>.</summary>
    public void Committed(IReadOnlyList<ShelfEvent> events, TimeSpan took)
    {
        ArgumentNullException.ThrowIfNull(events);
        _commit.Record(took.TotalSeconds);
        foreach (ShelfEvent e in events)
        {
            if ((uint)e.Type < (uint)_events.Length)
            {
                Interlocked.Increment(ref _events[(int)e.Type]);
            }
        }
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        for (int i = 0; i < Kinds.Length; i++)
        {
            yield return new Measurement<long>(Interlocked.Read(ref _events[i]), new KeyValuePair<string, object?>("kind", Kinds[i]));
        }
    }
}
