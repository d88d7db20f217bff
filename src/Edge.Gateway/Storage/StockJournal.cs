using System.Threading.Channels;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Storage;

/// <summary>
/// The single writer of shelf state. Pipelines post events and stock rows from the reader thread; this
/// commits them in groups and only then shows them on the <see cref="StockBoard"/>, so what the API has shown is
/// already on disk and a crash cannot roll it back.
/// </summary>
/// <remarks>
/// The channel is unbounded on purpose: stock events are never dropped, and the reader thread must never block on
/// disk (that would stretch a PD_SCK pulse). Volume is tiny: a few decisions per minute per shelf, plus one level
/// checkpoint per shelf every few minutes.
/// </remarks>
public sealed class StockJournal
{
    private const int MaxBatch = 512;

    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ShelfStore _store;
    private readonly StockBoard _board;
    private readonly List<ShelfEvent> _events = [];
    private readonly Dictionary<string, StockRow> _rows = new(StringComparer.Ordinal);

    /// <summary>Creates the writer over a store and the board it publishes to.</summary>
    public StockJournal(ShelfStore store, StockBoard board)
    {
        _store = store;
        _board = board;
    }

    /// <summary>Raised after each commit with the newly journaled events (for cloud sync and signage).</summary>
    public event Action<IReadOnlyList<ShelfEvent>>? Committed;

    /// <summary>Raised once when commits start failing (not on every retry), with the error.</summary>
    public event Action<string>? Failing;

    /// <summary>Events committed since start.</summary>
    public long EventsCommitted { get; private set; }

    /// <summary>True while the last commit succeeded.</summary>
    public bool Healthy { get; private set; } = true;

    /// <summary>The last commit error, if the journal is unhealthy.</summary>
    public string? LastError { get; private set; }

    /// <summary>Queues an event. Never blocks.</summary>
    public void Post(ShelfEvent e) => _queue.Writer.TryWrite(e);

    /// <summary>Queues a stock row. Never blocks; a later row for the same shelf supersedes an earlier uncommitted one.</summary>
    public void Post(StockRow row) => _queue.Writer.TryWrite(row);

    /// <summary>Commits until cancelled, then commits what is still queued.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken))
            {
                DrainOnce();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: fall through and flush.
        }

        DrainOnce();
    }

    /// <summary>Commits everything queued now in one transaction. Returns the number of items committed.</summary>
    public int DrainOnce()
    {
        int taken = 0;
        while (taken < MaxBatch && _queue.Reader.TryRead(out object? item))
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

        if (taken == 0)
        {
            return 0;
        }

        try
        {
            IReadOnlyList<ShelfEvent> numbered = _store.Commit(_events, [.. _rows.Values]);
            Healthy = true;
            LastError = null;
            EventsCommitted += numbered.Count;
            // Published only after the commit returned: the board never shows what a crash could take back.
            foreach (StockRow row in _rows.Values)
            {
                _board.Publish(row);
            }

            _events.Clear();
            _rows.Clear();
            if (numbered.Count > 0)
            {
                Committed?.Invoke(numbered);
            }
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException)
        {
            // Keep the batch and retry with the next one: nothing is lost, the board just lags.
            if (Healthy)
            {
                Failing?.Invoke(ex.Message);
            }

            Healthy = false;
            LastError = ex.Message;
        }

        return taken;
    }
}
