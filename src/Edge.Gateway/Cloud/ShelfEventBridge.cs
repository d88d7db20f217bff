using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Shelves;
using Edge.Gateway.Storage;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Moves journaled shelf events into the cloud outbox. The journal is the source of truth: the bridge reads it from
/// its last forwarded position, so an event committed just before a crash is still forwarded after the restart. A
/// replay after a crash may enqueue an event twice; both copies carry the same deterministic messageId
/// (<c>{gatewayId}:shelf:{seq}</c>), which is what downstream deduplicates by.
/// </summary>
public sealed class ShelfEventBridge : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ShelfStore _store;
    private readonly DurableOutbox _outbox;
    private readonly string _gatewayId;
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Wires the bridge to the journal's commits.</summary>
    public ShelfEventBridge(ShelfStore store, StockJournal journal, DurableOutbox outbox, string gatewayId)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _store = store;
        _outbox = outbox;
        _gatewayId = gatewayId;
        journal.Committed += _ =>
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        };
    }

    /// <inheritdoc />
    public void Dispose() => _signal.Dispose();

    /// <summary>Journal position already in the outbox.</summary>
    public long Forwarded { get; private set; }

    /// <summary>The outbox entry for a shelf event: sensor events are alerts, everything else stock.</summary>
    public OutboxEntry EntryOf(ShelfEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        bool alert = e.Type is ShelfEventType.SensorFault or ShelfEventType.SensorRecovered;
        return new OutboxEntry(
            alert ? "alerts" : "shelf",
            e.Type.ToString(),
            alert ? MessageClass.Alert : MessageClass.Stock,
            JsonSerializer.SerializeToUtf8Bytes(e, Json),
            Timestamp: e.Timestamp,
            MessageId: $"{_gatewayId}:shelf:{e.Seq}");
    }

    /// <summary>Forwards until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Forwarded = _store.CloudForwardedSeq;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                List<ShelfEvent> batch = _store.EventsAfter(Forwarded, 500).ToList();
                if (batch.Count == 0)
                {
                    await _signal.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                    continue;
                }

                await Task.WhenAll(batch.Select(e => _outbox.EnqueueAsync(EntryOf(e))));
                // Only now, with every event of the batch on disk in the outbox, is the position moved.
                Forwarded = batch[^1].Seq;
                _store.SetCloudForwardedSeq(Forwarded);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
