using Edge.Cloud.Outbox;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Moves journaled shelf events into the cloud outbox. The journal is the source of truth: how far it has been
/// forwarded is committed inside the outbox with the messages themselves (<see cref="DurableOutbox.SourcePosition"/>),
/// so the two cannot disagree after a crash, and how far the cloud has acknowledged it is checkpointed beside the
/// journal (<see cref="BridgeCheckpoint"/>), so a lost outbox is repaired by sending again everything after that.
/// Every event keeps a deterministic messageId (<c>{gatewayId}:shelf:{epoch}:{seq}</c>), which is what downstream
/// deduplicates by; the journal's epoch makes it unique even after the database was lost or rolled back.
/// </summary>
public sealed class ShelfEventBridge : IDisposable
{
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(10);
    private readonly ShelfRepository _store;
    private readonly GatewayDatabase _database;
    private readonly DurableOutbox _outbox;
    private readonly string _gatewayId;
    private readonly string? _outboxQuarantinedTo;
    private readonly TimeProvider _time;
    private readonly Subscription<ShelfEventsJournaled> _journaled;
    private BridgeCheckpoint? _saved;
    private long _lastCheckpointAt;

    /// <summary>Wires the bridge to the journal's commits.</summary>
    /// <param name="store">The journal.</param>
    /// <param name="database">The gateway database, for the checkpoint.</param>
    /// <param name="bus">Says when the journal committed; the bridge then reads the journal itself, so a signal may coalesce.</param>
    /// <param name="outbox">Where events go.</param>
    /// <param name="gatewayId">Prefix of message ids.</param>
    /// <param name="outboxQuarantinedTo">Where a damaged outbox file was moved at start, if it was.</param>
    /// <param name="time">Clock.</param>
    public ShelfEventBridge(ShelfRepository store, GatewayDatabase database, EventBus bus, DurableOutbox outbox, string gatewayId, string? outboxQuarantinedTo = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _store = store;
        _database = database;
        _outbox = outbox;
        _gatewayId = gatewayId;
        _outboxQuarantinedTo = outboxQuarantinedTo;
        _time = time ?? TimeProvider.System;
        // Never loses an event: the signal only wakes the bridge, which reads the journal from its own cursor.
        _journaled = bus.Subscribe<ShelfEventsJournaled>("cloud bridge", 1, FullPolicy.Signal);
    }

    /// <summary>Journal position already in the outbox.</summary>
    public long Forwarded { get; private set; }

    /// <summary>Every journal event up to this seq is acknowledged by the cloud (as last checkpointed).</summary>
    public long Acknowledged => _saved?.AckedSeq ?? 0;

    /// <summary>The outbox loss found at start, if any.</summary>
    public OutboxLoss? Loss { get; private set; }

    /// <summary>The last storage error that held the bridge up, while it is held up.</summary>
    public string? LastError { get; private set; }

    private string Source => "journal:" + _store.JournalId;

    /// <inheritdoc />
    public void Dispose() => _journaled.Dispose();

    /// <summary>The outbox entry for a journaled event (see <see cref="ShelfCloudMessages"/>).</summary>
    public OutboxEntry EntryOf(JournalEntry entry) => ShelfCloudMessages.Of(entry, _gatewayId, Source);

    /// <summary>Decides where forwarding starts, and finds a lost outbox. Called by <see cref="RunAsync"/>; tests call it directly.</summary>
    internal void Start()
    {
        long journalLast = _store.LastSeq;
        _saved = BridgeCheckpoint.Load(_database);
        long floor = _saved is { } cp && cp.JournalId == _store.JournalId ? cp.AckedSeq : 0;
        long start;
        if (_saved is not null && _saved.OutboxEpoch != _outbox.Epoch)
        {
            // The outbox we forwarded to is gone (quarantined, deleted, replaced): everything not known to be
            // acknowledged goes out again.
            start = floor;
            Loss = new OutboxLoss(_saved.OutboxEpoch, _outbox.Epoch, _time.GetUtcNow(), _outboxQuarantinedTo ?? "the outbox file was missing or replaced",
                Math.Min(floor, journalLast), journalLast, _saved.Waiting, _saved.SavedAt);
        }
        else
        {
            start = _outbox.SourcePosition(Source) ?? floor;
        }

        // A journal that rolled back or was replaced holds fewer events than were forwarded: go on from its end.
        Forwarded = Math.Min(start, journalLast);
        SaveCheckpoint(force: true);
    }

    /// <summary>Forwards until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        TimeSpan retry = FirstRetry;
        try
        {
            Start();
        }
        catch (Exception ex) when (IsStorage(ex))
        {
            // Storage is failing at start: forward from the outbox's own position once it works.
            LastError = ex.Message;
            Forwarded = Math.Min(_outbox.SourcePosition(Source) ?? 0, _store.LastSeq);
        }

        if (Loss is { } loss)
        {
            try
            {
                await EnqueueLossAlertAsync(loss);
            }
            catch (Exception ex) when (IsStorage(ex))
            {
                LastError = ex.Message; // /healthz still says it
            }
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (await ForwardOnceAsync())
                    {
                        retry = FirstRetry;
                        continue;
                    }

                    SaveCheckpoint(force: false);
                    LastError = null;
                    await WaitForCommitAsync(cancellationToken);
                }
                catch (Exception ex) when (IsStorage(ex))
                {
                    // A full disk or a broken file: nothing moves until it works again; the journal keeps everything.
                    LastError = ex.Message;
                    await Task.Delay(retry, _time, cancellationToken);
                    retry = retry * 2 > LastRetry ? LastRetry : retry * 2;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // Forwards one batch; false when there was nothing to forward.
    internal async Task<bool> ForwardOnceAsync()
    {
        IReadOnlyList<JournalEntry> batch = _store.EntriesAfter(Forwarded, 500);
        if (batch.Count == 0)
        {
            return false;
        }

        await Task.WhenAll(batch.Select(e => _outbox.EnqueueAsync(EntryOf(e))));
        // Only now, with every event of the batch on disk in the outbox, is the position moved.
        Forwarded = batch[^1].Event.Seq;
        return true;
    }

    internal void SaveCheckpoint(bool force)
    {
        long now = _time.GetTimestamp();
        if (!force && _time.GetElapsedTime(_lastCheckpointAt, now) < CheckpointEvery)
        {
            return;
        }

        long acked = Math.Min(_outbox.SourcePosition(Source) is null ? Acknowledged : _outbox.AckedSourcePosition(Source), _store.LastSeq);
        if (!force && _saved is not null && _saved.AckedSeq == acked && _saved.OutboxEpoch == _outbox.Epoch)
        {
            return;
        }

        var checkpoint = new BridgeCheckpoint(_outbox.Epoch, _store.JournalId, acked, _outbox.Stats.Pending, _time.GetUtcNow());
        checkpoint.Save(_database);
        _saved = checkpoint;
        _lastCheckpointAt = now;
    }

    // Until the journal commits again, or the next checkpoint is due. The read itself is cancelled at the deadline: a
    // read merely abandoned stays queued on the subscription and would swallow the next commit's signal, so after a
    // quiet spell each commit would wait for the next checkpoint (up to 5 s) instead of going at once.
    internal async Task WaitForCommitAsync(CancellationToken cancellationToken)
    {
        using var due = new CancellationTokenSource(CheckpointEvery, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, due.Token);
        try
        {
            await _journaled.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Task<OutboxReceipt> EnqueueLossAlertAsync(OutboxLoss loss) => _outbox.EnqueueAsync(GatewayAlerts.OutboxLost(loss));

    private static bool IsStorage(Exception ex) => ex is LiteDB.LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException;
}
