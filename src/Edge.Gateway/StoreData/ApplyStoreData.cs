using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;

namespace Edge.Gateway.StoreData;

/// <summary>Stores a snapshot or a delta of one kind of store data from the cloud (<c>promotions</c>, <c>catalog</c>, <c>online-stock</c>, <c>reservations</c>).</summary>
public sealed record ApplyStoreData(string Kind, byte[] Payload) : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "store-data";
}

/// <summary>Domain event: a kind of store data was stored at a new version (published after it is stored).</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Version">Its version now.</param>
/// <param name="Snapshot">True when replaced whole; false for a delta.</param>
/// <param name="Keys">The keys a delta upserted or removed (null for a snapshot: everything may have changed).</param>
public sealed record StoreDataChanged(string Kind, long Version, bool Snapshot = true, IReadOnlyList<string>? Keys = null);

/// <summary>
/// Validates and stores store data, updates the in-memory view, and tells the bus once it is stored. A delta that does
/// not follow the stored version is answered 409 with <c>snapshotRequested</c>: true the first time for that stored
/// version (the caller asks the cloud for a snapshot), false for the deltas that follow the same gap, so one gap
/// asks once (again after <see cref="RequestAgainAfter"/> if no snapshot came).
/// </summary>
internal sealed class ApplyStoreDataHandler(StoreDataRepository repository, StoreDataView view, EventBus bus, TimeProvider time) : ICommandHandler<ApplyStoreData>
{
    /// <summary>A snapshot at least this large is followed by a full, compacting collection.</summary>
    public const int LargePayloadBytes = 1024 * 1024;

    /// <summary>A gap that is still open this long after its snapshot request is asked about again.</summary>
    public static readonly TimeSpan RequestAgainAfter = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (long Stored, DateTimeOffset At)> _requested = new(StringComparer.Ordinal);

    public Task<CommandResult> HandleAsync(ApplyStoreData command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        DateTimeOffset now = time.GetUtcNow();
        StoreDataRepository.Result r = repository.Apply(command.Kind, command.Payload, now);
        switch (r.Outcome)
        {
            case StoreDataRepository.Outcome.Stored:
                view.Apply(r, now);
                if (r.Snapshot && command.Payload.Length >= LargePayloadBytes)
                {
                    // A large snapshot churns hundreds of MiB through the heap (LiteDB allocates about 12 KB per
                    // document it inserts); give the memory back to the system now rather than keep it for good.
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                }

                _requested.TryRemove(command.Kind, out _);
                bus.Publish(new StoreDataChanged(command.Kind, r.StoredVersion, r.Snapshot, r.Snapshot ? null : [.. r.Upserts.Select(u => u.Key), .. r.Removed]));
                return Task.FromResult(CommandResult.Done(new JsonObject { ["result"] = r.Message, ["version"] = r.StoredVersion }));

            case StoreDataRepository.Outcome.Gap:
                bool ask = !_requested.TryGetValue(command.Kind, out var last) || last.Stored != r.StoredVersion || now - last.At >= RequestAgainAfter;
                if (ask)
                {
                    _requested[command.Kind] = (r.StoredVersion, now);
                }

                return Task.FromResult(new CommandResult(CommandOutcome.Conflict, new JsonObject
                {
                    ["error"] = r.Message,
                    ["kind"] = command.Kind,
                    ["storedVersion"] = r.StoredVersion < 0 ? null : r.StoredVersion,
                    ["snapshotRequested"] = ask,
                }));

            case StoreDataRepository.Outcome.Rejected:
                return Task.FromResult(CommandResult.Failed(CommandOutcome.Invalid, r.Message));

            default:
                return Task.FromResult(CommandResult.Done(new JsonObject { ["result"] = r.Message, ["version"] = r.StoredVersion }));
        }
    }
}
