namespace Edge.Cloud.Outbox;

/// <summary>
/// A delivery class, defined by the producer (the outbox knows nothing of what its messages mean): classes with a lower
/// <paramref name="Priority"/> are sent first; over budget, classes with a lower <paramref name="DropRank"/> are dropped
/// first; a message older than <paramref name="Ttl"/> is dropped instead of sent.
/// </summary>
/// <param name="Name">Name, for counters and logs.</param>
/// <param name="Priority">Sending order, from 0 (first); also what is stored with each message.</param>
/// <param name="DropRank">Dropping order over budget, from 0 (first dropped).</param>
/// <param name="Ttl">Time to live.</param>
public sealed record MessageClass(string Name, int Priority, int DropRank, TimeSpan Ttl);

/// <summary>What a producer hands the outbox.</summary>
/// <param name="Stream">Stream name; every message of a stream has the same class and is delivered in order.</param>
/// <param name="Type">Message type (for the topic and the envelope).</param>
/// <param name="Class">Delivery class.</param>
/// <param name="Payload">UTF-8 JSON of the event.</param>
/// <param name="CoalesceKey">Messages with the same key supersede each other: over budget only the latest is kept.</param>
/// <param name="Timestamp">When the event happened; now when null.</param>
/// <param name="MessageId">A caller-chosen id (deterministic, so a producer replaying after a crash yields duplicates that share it); a new one when null.</param>
/// <param name="Source">The producer's own durable log this entry comes from (for <see cref="DurableOutbox.SourcePosition"/>), or null.</param>
/// <param name="Position">The entry's position in <paramref name="Source"/>; increasing in the order entries are enqueued.</param>
/// <param name="SupersedeWaiting">With a <paramref name="CoalesceKey"/>: once this one is durable, the older one with the same key still waiting to be sent is dropped (counted as coalesced), so only the latest waits.</param>
public sealed record OutboxEntry(string Stream, string Type, MessageClass Class, byte[] Payload, string? CoalesceKey = null, DateTimeOffset? Timestamp = null, string? MessageId = null, string? Source = null, long Position = 0, bool SupersedeWaiting = false);

/// <summary>A stored message, as the pump hands it to a transport.</summary>
/// <param name="Offset">Global, increasing position in the outbox.</param>
/// <param name="MessageId">Unique id for deduplication downstream.</param>
/// <param name="Stream">Stream name.</param>
/// <param name="Seq">Per-stream sequence number: gap-free and monotonic across restarts.</param>
/// <param name="Type">Message type.</param>
/// <param name="Class">Delivery class.</param>
/// <param name="Timestamp">When the event happened.</param>
/// <param name="Payload">UTF-8 JSON of the event.</param>
/// <param name="Epoch">The outbox's epoch: <paramref name="Seq"/> is gap-free within it.</param>
public sealed record OutboxMessage(long Offset, string MessageId, string Stream, long Seq, string Type, MessageClass Class, DateTimeOffset Timestamp, byte[] Payload, string Epoch = "");

/// <summary>Proof that a message is on disk.</summary>
public readonly record struct OutboxReceipt(long Offset, string MessageId, long Seq);

/// <summary>Counters, for health, logs and benchmarks.</summary>
/// <remarks>
/// <c>Dropped</c> counts messages dropped over budget, by class name. <c>Refused</c> counts messages whose commit failed
/// (a full disk): their producers were told, and a producer that cannot retry loses them. <c>DeadLettered</c> counts
/// messages the cloud refused for good, kept aside in the outbox file.
/// </remarks>
public sealed record OutboxStats(long Pending, long PendingBytes, long InFlight, long Commits, long Enqueued, long Acked, long Coalesced, IReadOnlyDictionary<string, long> Dropped, long Expired, long Refused, long DeadLettered)
{
    /// <summary>Messages of a class dropped over budget (0 for an unknown class).</summary>
    public long DroppedOf(string className) => Dropped.GetValueOrDefault(className);
}

/// <summary>One delivery class's backlog: messages waiting, the event time of the oldest, and drops over budget since start.</summary>
public sealed record ClassDepth(string Class, long Waiting, DateTimeOffset? Oldest, long Dropped);

/// <summary>Outbox settings (<c>Outbox:*</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>At most one commit (one fsync) per interval; everything queued meanwhile shares it. 100 ms caps SD-card syncs at 10/s.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most messages in one commit.</summary>
    public int MaxBatch { get; set; } = 5000;

    /// <summary>Disk budget for pending payload bytes. Over it: coalesce, then drop the oldest of each class in drop-rank order.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Most messages waiting, whatever their size: the pending index lives in memory (measured: up to 507 B a message
    /// after a reload, LiteDB's page cache included), so this bounds RAM on a 1 GB Pi at about 50 MB. Over it the same
    /// policy as for <see cref="MaxBytes"/> applies.
    /// </summary>
    public int MaxMessages { get; set; } = 100_000;

    /// <summary>Largest single payload accepted.</summary>
    public int MaxMessageBytes { get; set; } = 200 * 1024;

    /// <summary>The delivery classes, by priority: <c>Classes[i].Priority == i</c>. One class by default.</summary>
    public IReadOnlyList<MessageClass> Classes { get; set; } = [new MessageClass("default", 0, 0, TimeSpan.FromDays(14))];

    /// <summary>How often acknowledged positions are written when nothing else is being committed.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal TimeSpan TtlOf(int priority) => Classes[priority].Ttl;

    /// <summary>Names the first invalid setting, or null.</summary>
    public string? Problem()
    {
        if (CommitInterval < TimeSpan.Zero || CommitInterval > TimeSpan.FromSeconds(10))
        {
            return "Outbox:CommitInterval must be from 0 to 10 seconds";
        }

        if (MaxBatch < 1)
        {
            return "Outbox:MaxBatch must be >= 1";
        }

        if (MaxMessages < 1)
        {
            return "Outbox:MaxMessages must be >= 1";
        }

        if (MaxMessageBytes < 1 || MaxBytes < MaxMessageBytes)
        {
            return "Outbox:MaxBytes must be >= Outbox:MaxMessageBytes >= 1";
        }

        if (Classes.Count == 0 || Classes.Select((c, i) => c.Priority == i).Any(ok => !ok) || Classes.Select(c => c.DropRank).Distinct().Count() != Classes.Count)
        {
            return "Outbox classes must have priorities 0, 1, … in order and distinct drop ranks";
        }

        if (Classes.Any(c => c.Ttl <= TimeSpan.Zero))
        {
            return "Outbox TTLs must be positive";
        }

        return CheckpointInterval <= TimeSpan.Zero ? "Outbox:CheckpointInterval must be positive" : null;
    }
}
