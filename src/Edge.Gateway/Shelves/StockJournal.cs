using System.Threading.Channels;
using Edge.Cloud.Outbox;
using Edge.Gateway.Events;

namespace Edge.Gateway.Shelves;

/// <summary>
/// The single writer of shelf state. Pipelines post events and stock rows from the reader thread; this
/// commits them in groups and only then shows them on the <see cref="StockBoard"/>, so what the API has shown is
/// already on disk and a crash cannot roll it back.
/// </summary>
/// <remarks>
/// The channel is unbounded on purpose: stock events are never dropped while the disk works, and the reader thread
/// must never block on disk (that would stretch a PD_SCK pulse). Volume is tiny: a few decisions per minute per
/// shelf, plus one level checkpoint per shelf every few minutes. When commits fail (a full disk), everything is kept
/// in memory and retried on a timer, so the journal catches up by itself once space returns; the latest row of each
/// shelf is always kept, and only beyond <see cref="MaxBufferedEvents"/> are the oldest events given up, counted.
/// </remarks>
public sealed class StockJournal
{
    /// <summary>Events held in memory while commits fail, at most (about 200 B each).</summary>
    public const int MaxBufferedEvents = 100_000;

    private const int MaxBatch = 512;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ShelfRepository _store;
    private readonly StockBoard _board;
    private readonly TimeProvider _time;
    private readonly EventBus? _bus;
    private readonly ShelfMetrics? _metrics;
    private readonly List<ShelfEvent> _events = [];
    private readonly Dictionary<string, StockRow> _rows = new(StringComparer.Ordinal);
    private TimeSpan _retry = FirstRetry;
    private long _dropped;
    private long _failures;

    /// <summary>Creates the writer over a store and the board it shows committed rows on; <paramref name="bus"/> hears of every commit, <paramref name="metrics"/> counts them.</summary>
    public StockJournal(ShelfRepository store, StockBoard board, TimeProvider? time = null, EventBus? bus = null, ShelfMetrics? metrics = null)
    {
        _store = store;
        _board = board;
        _time = time ?? TimeProvider.System;
        _bus = bus;
        _metrics = metrics;
    }

    /// <summary>Raised on the journal thread after each commit with the newly journaled events (within the area: the log).</summary>
    public event Action<IReadOnlyList<ShelfEvent>>? Committed;

    /// <summary>Raised once when commits start failing (not on every retry), with the error.</summary>
    public event Action<string>? Failing;

    /// <summary>Raised once when commits succeed again after failing, with the number of events that were waiting.</summary>
    public event Action<int>? Recovered;

    /// <summary>Events committed since start.</summary>
    public long EventsCommitted { get; private set; }

    /// <summary>True while the last commit succeeded.</summary>
    public bool Healthy { get; private set; } = true;

    /// <summary>The last commit error, if the journal is unhealthy.</summary>
    public string? LastError { get; private set; }

    /// <summary>Events waiting in memory for a commit (while the disk refuses them).</summary>
    public int Waiting => _events.Count;

    /// <summary>Events given up because more than <see cref="MaxBufferedEvents"/> waited.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Commits that failed since start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Queues an event. Never blocks.</summary>
    public void Post(ShelfEvent e) => _queue.Writer.TryWrite(e);

    /// <summary>Queues a stock row. Never blocks; a later row for the same shelf supersedes an earlier uncommitted one.</summary>
    public void Post(StockRow row) => _queue.Writer.TryWrite(row);

    /// <summary>Commits until cancelled, then commits what is still queued.</summary>
    /// <remarks>On a thread of its own (see <see cref="WriterThread"/>): each commit blocks on the disk.</remarks>
    public Task RunAsync(CancellationToken cancellationToken) => WriterThread.Start("journal writer", () => RunWriter(cancellationToken));

    private void RunWriter(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Healthy)
            {
                Task<bool> readable = _queue.Reader.WaitToReadAsync(cancellationToken).AsTask();
                _ = WriterThread.WaitAny(readable);
                if (!readable.IsCompletedSuccessfully || !readable.Result)
                {
                    // Shutting down (cancelled, or the queue completed): flush below.
                    break;
                }
            }
            else
            {
                // Failing: retry on a timer rather than on the next event, so a quiet store recovers too.
                _ = WriterThread.WaitAny(Task.Delay(_retry, _time, cancellationToken));
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                _retry = _retry * 2 > LastRetry ? LastRetry : _retry * 2;
            }

            DrainOnce();
        }

        // What is still queued, a batch at a time (bounded: the shelves may still be posting while the host stops).
        for (int round = 0; round < FinalRounds && DrainOnce() > 0; round++)
        {
        }
    }

    // 64 batches of MaxBatch: far more than a stop leaves queued.
    private const int FinalRounds = 64;

    /// <summary>Commits everything queued now in one transaction. Returns the number of items taken from the queue.</summary>
    public int DrainOnce()
    {
        // While failing, take everything queued: memory is the only place it can wait, and rows coalesce.
        int limit = Healthy ? MaxBatch : int.MaxValue;
        int taken = 0;
        while (taken < limit && _queue.Reader.TryRead(out object? item))
        {
            taken++;
            switch (item)
            {
                case ShelfEvent e:
                    _events.Add(e);
                    break;
                case StockRow r:
                    _rows[r.ShelfId] = r;
                    break;
            }
        }

        if (_events.Count > MaxBufferedEvents)
        {
            int over = _events.Count - MaxBufferedEvents;
            _events.RemoveRange(0, over);
            Interlocked.Add(ref _dropped, over);
        }

        if (_events.Count == 0 && _rows.Count == 0)
        {
            return taken;
        }

        IReadOnlyList<ShelfEvent> numbered;
        bool recovered = !Healthy;
        long started = _time.GetTimestamp();
        try
        {
            numbered = _store.Commit(_events, [.. _rows.Values]);
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // Keep the batch and retry: nothing is lost, the board just lags.
            Interlocked.Increment(ref _failures);
            if (Healthy)
            {
                Failing?.Invoke(ex.Message);
            }

            Healthy = false;
            LastError = ex.Message;
            return taken;
        }

        Healthy = true;
        LastError = null;
        _retry = FirstRetry;
        EventsCommitted += numbered.Count;
        _metrics?.Committed(numbered, _time.GetElapsedTime(started));
        // Published only after the commit returned: the board never shows what a crash could take back.
        foreach (StockRow row in _rows.Values)
        {
            _board.Publish(row);
        }

        // On the bus only now, with everything on disk; publishing never waits for a subscriber.
        _bus?.Publish(new ShelfEventsJournaled(numbered, [.. _rows.Values]));
        _events.Clear();
        _rows.Clear();
        if (recovered)
        {
            Recovered?.Invoke(numbered.Count);
        }

        if (numbered.Count > 0)
        {
            Committed?.Invoke(numbered);
        }

        return taken;
    }
}
