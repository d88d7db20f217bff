using System.Threading.Channels;
using LiteDB;

namespace Edge.Cloud.Outbox;

/// <summary>
/// Store-and-forward queue on LiteDB. A message is on disk before its producer's task completes; commits are
/// grouped (at most one per <see cref="OutboxOptions.CommitInterval"/>); every message gets a per-stream sequence
/// number assigned inside the same transaction that stores it, so numbers are gap-free across crashes. Delivery
/// is at-least-once and in order per stream; only the highest contiguous acknowledged sequence of each stream is
/// checkpointed, and everything after it is sent again after a restart.
/// </summary>
/// <remarks>
/// Each outbox file has an <see cref="Epoch"/>, drawn when the file is created: a lost and recreated outbox numbers
/// its streams from 1 again under a new epoch, which the envelope carries. A producer that forwards its own durable
/// durable log tags each entry with a <see cref="OutboxEntry.Source"/> and position, and reads back, from
/// the outbox itself, how far it has forwarded (<see cref="SourcePosition"/>, committed with the messages) and how
/// far every message it handed over is done (<see cref="AckedSourcePosition"/>).
/// </remarks>
public sealed partial class DurableOutbox : IDisposable
{
    private const string Messages = "outbox";
    private static readonly TimeSpan ReadRetry = TimeSpan.FromSeconds(1);
    private const string Streams = "outbox_streams";
    private const string DeadLetterCollection = "outbox_dead";
    private readonly ILiteDatabaseHost _db;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _incoming = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StreamState> _streamStates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourceState> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Meta> _pending = [];
    private readonly SortedSet<long> _pendingOffsets = [];
    private readonly SortedSet<long>[] _ready;
    private readonly List<long> _toDelete = [];
    private readonly List<BsonDocument> _deadLetters = [];
    private readonly Dictionary<string, long> _waitingByKey = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _readySignal = new(0);
    private long _lastOffset;
    private long _bytes;
    private long _inFlight;
    private bool _checkpointDirty;
    private long _lastCommitAt;
    private long _commits;
    private long _enqueued;
    private long _acked;
    private long _coalesced;
    private long _expired;
    private long _refused;
    private readonly long[] _dropped;
    private long _deadLettered;
    private string? _lastError;

    /// <summary>Opens the outbox over a database (its own file: the outbox syncs often and should not share a journal).</summary>
    public DurableOutbox(LiteDatabase db, OutboxOptions? options = null, TimeProvider? time = null)
        : this(new FixedDatabaseHost(db ?? throw new ArgumentNullException(nameof(db))), options, time)
    {
    }

    /// <summary>Opens the outbox over a database host that reopens the file after an I/O error, so the outbox recovers once space returns.</summary>
    public DurableOutbox(ILiteDatabaseHost db, OutboxOptions? options = null, TimeProvider? time = null)
    {
        _db = db ?? throw new ArgumentNullException(nameof(db));
        _options = options ?? new OutboxOptions();
        if (_options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _time = time ?? TimeProvider.System;
        _ready = [.. _options.Classes.Select(_ => new SortedSet<long>())];
        _dropped = new long[_options.Classes.Count];
        Epoch = _db.Run(Load);
    }

    /// <summary>Identity of this outbox file, drawn when it was created; per-stream numbering belongs to it.</summary>
    public string Epoch { get; }

    /// <summary>True while the last commit succeeded.</summary>
    public bool Healthy => _lastError is null;

    /// <summary>Why the last commit failed, while commits fail.</summary>
    public string? LastError => _lastError;
    /// <summary>The highest contiguous acknowledged sequence of a stream (0 when none).</summary>
    public long AckedSeq(string stream)
    {
        lock (_lock)
        {
            return _streamStates.TryGetValue(stream, out StreamState? s) ? s.Acked : 0;
        }
    }

    /// <summary>The position of the last committed entry of <paramref name="source"/>, or null when this outbox never held one.</summary>
    public long? SourcePosition(string source)
    {
        lock (_lock)
        {
            return _sources.TryGetValue(source, out SourceState? s) ? s.Last : null;
        }
    }

    /// <summary>
    /// The highest position P of <paramref name="source"/> such that every entry up to P is done: acknowledged, or
    /// dropped and counted. 0 when the source is unknown.
    /// </summary>
    public long AckedSourcePosition(string source)
    {
        lock (_lock)
        {
            if (!_sources.TryGetValue(source, out SourceState? s))
            {
                return 0;
            }

            return s.Pending.Count > 0 ? s.Pending.Min.Position - 1 : s.Last;
        }
    }

    /// <summary>
    /// Queues a message and completes once it is committed to disk. Fails with <see cref="ArgumentException"/> for an
    /// invalid entry and with the storage error if the commit fails (the message is then not accepted).
    /// </summary>
    public Task<OutboxReceipt> EnqueueAsync(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrWhiteSpace(entry.Stream) || string.IsNullOrWhiteSpace(entry.Type))
        {
            throw new ArgumentException("Stream and Type must not be empty.", nameof(entry));
        }

        if (entry.Stream.StartsWith('$') || (entry.Source is { } source && (source.Length == 0 || entry.Position < 0)))
        {
            throw new ArgumentException("Stream names must not start with '$'; a Source needs a name and a position >= 0.", nameof(entry));
        }

        if (entry.Payload.Length > _options.MaxMessageBytes)
        {
            throw new ArgumentException($"Payload of {entry.Payload.Length} bytes exceeds Outbox:MaxMessageBytes ({_options.MaxMessageBytes}).", nameof(entry));
        }

        if (!System.Text.Unicode.Utf8.IsValid(entry.Payload) || !IsJson(entry.Payload))
        {
            throw new ArgumentException("Payload must be one well-formed UTF-8 JSON value.", nameof(entry));
        }

        if (entry.Class is not { } cls || cls.Priority < 0 || cls.Priority >= _options.Classes.Count || _options.Classes[cls.Priority].Name != cls.Name)
        {
            throw new ArgumentException($"Unknown message class {entry.Class?.Name}: the outbox has {string.Join(", ", _options.Classes.Select(c => c.Name))}.", nameof(entry));
        }

        var pending = new Pending(entry, new TaskCompletionSource<OutboxReceipt>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_incoming.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The outbox is shut down.");
        }

        return pending.Done.Task;
    }

    /// <summary>Runs the writer: grouped commits and checkpoints, until cancelled; then commits what is queued.</summary>
    /// <remarks>On a thread of its own (see <see cref="WriterThread"/>): each commit blocks on the disk.</remarks>
    public Task RunAsync(CancellationToken cancellationToken) => WriterThread.Start("outbox writer", () => RunWriter(cancellationToken));

    private void RunWriter(CancellationToken cancellationToken)
    {
        var batch = new List<Pending>();
        while (!cancellationToken.IsCancellationRequested)
        {
            Task<bool> waiting = _incoming.Reader.WaitToReadAsync(cancellationToken).AsTask();
            Task tick = Task.Delay(_options.CheckpointInterval, _time, cancellationToken);
            if (WriterThread.WaitAny(waiting, tick) == 0 && waiting.IsCompletedSuccessfully && waiting.Result)
            {
                // Hold the commit until the interval since the last one has passed: under load this is what
                // groups many messages into one fsync; when idle the first message is committed at once.
                TimeSpan wait = _options.CommitInterval - _time.GetElapsedTime(_lastCommitAt);
                if (_lastCommitAt != 0 && wait > TimeSpan.Zero)
                {
                    _ = WriterThread.WaitAny(Task.Delay(wait, _time, cancellationToken));
                }
            }

            if (!cancellationToken.IsCancellationRequested)
            {
                CommitOnce(batch);
            }
        }

        // Everything queued, in as many batches as it takes: a producer's task left unanswered would hang its shutdown.
        _incoming.Writer.TryComplete();
        while (CommitOnce(batch) > 0)
        {
        }
    }

    /// <summary>Commits everything queued (and pending checkpoints) now. The writer loop calls this; tests may too.</summary>
    internal int CommitOnce(List<Pending>? reuse = null)
    {
        List<Pending> batch = reuse ?? [];
        batch.Clear();
        while (batch.Count < _options.MaxBatch && _incoming.Reader.TryRead(out Pending? p))
        {
            batch.Add(p);
        }

        bool checkpoint;
        lock (_lock)
        {
            checkpoint = _checkpointDirty || _toDelete.Count > 0 || _deadLetters.Count > 0;
        }

        if (batch.Count == 0 && !checkpoint)
        {
            return 0;
        }

        Commit(batch);
        return batch.Count;
    }

    /// <summary>Waits for the next message to send, highest class first, oldest first within a class.</summary>
    public async Task<OutboxMessage> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (TryTakeCore(out OutboxMessage? message))
            {
                case TakeResult.Taken:
                    return message!;
                case TakeResult.Failed:
                    // The file could not be read (a full disk broke the engine): the message is back in place; try
                    // again shortly rather than waiting for a signal that may not come.
                    await Task.Delay(ReadRetry, _time, cancellationToken);
                    break;
                default:
                    await _readySignal.WaitAsync(cancellationToken);
                    break;
            }
        }
    }

    /// <summary>Takes the next message to send, if any. It stays pending (in flight) until acknowledged or released.</summary>
    public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OutboxMessage? message) => TryTakeCore(out message) == TakeResult.Taken;

    private TakeResult TryTakeCore(out OutboxMessage? message)
    {
        message = null;
        while (true)
        {
            Meta? meta = null;
            lock (_lock)
            {
                long now = _time.GetUtcNow().UtcTicks;
                for (int c = 0; c < _ready.Length && meta is null; c++)
                {
                    while (_ready[c].Count > 0)
                    {
                        long offset = _ready[c].Min;
                        _ready[c].Remove(offset);
                        Meta m = _pending[offset];
                        if (m.ExpiresAt <= now)
                        {
                            _expired++;
                            Drop(m);
                            continue;
                        }

                        _inFlight++;
                        meta = m;
                        break;
                    }
                }
            }

            if (meta is null)
            {
                return TakeResult.Empty;
            }

            BsonDocument? doc;
            try
            {
                doc = ReadMessage(meta.Offset);
            }
            catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                lock (_lock)
                {
                    _inFlight--;
                    _ready[meta.Class].Add(meta.Offset);
                }

                return TakeResult.Failed;
            }

            if (doc is null)
            {
                // Deleted under us (cannot happen while pending); skip rather than send nothing.
                lock (_lock)
                {
                    _inFlight--;
                }

                continue;
            }

            message = new OutboxMessage(meta.Offset, doc["mid"].AsString, meta.Stream.Name, meta.Seq, doc["type"].AsString, _options.Classes[meta.Class],
                new DateTimeOffset(doc["ts"].AsInt64, TimeSpan.Zero), doc["body"].AsBinary, Epoch);
            return TakeResult.Taken;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _readySignal.Dispose();

    // Checked at the door so that nothing stored can fail to be wrapped later and block its stream.
    private static bool IsJson(byte[] payload)
    {
        var reader = new System.Text.Json.Utf8JsonReader(payload);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private sealed class StreamState(string name, int cls)
    {
        public string Name { get; } = name;

        /// <summary>Priority of the stream's class.</summary>
        public int Class { get; } = cls;

        public long LastSeq { get; set; }

        public long Acked { get; set; }

        public SortedSet<long> AckedAhead { get; } = [];
    }

    private sealed class SourceState(string name)
    {
        public string Name { get; } = name;

        /// <summary>Position of the last committed entry.</summary>
        public long Last { get; set; }

        /// <summary>Positions (with their offsets) of entries not yet done.</summary>
        public SortedSet<(long Position, long Offset)> Pending { get; } = [];
    }

    private enum TakeResult
    {
        Empty,
        Taken,
        Failed,
    }

    // Class is the priority of the message's class (its index in the options' classes).
    private sealed record Meta(long Offset, StreamState Stream, long Seq, int Class, int Size, string? CoalesceKey, long ExpiresAt, SourceState? Source = null, long Position = 0);

    internal sealed record Pending(OutboxEntry Entry, TaskCompletionSource<OutboxReceipt> Done);
}
