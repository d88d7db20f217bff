using System.Collections.Concurrent;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.PickToLight;

/// <summary>
/// The lines the weight confirmed as picked, kept in the gateway database until the cloud's store data no longer shows
/// them reserved: availability stops counting them as reserved at once, and after a restart neither the light comes
/// back on nor the reserved count goes up while the cloud's <c>picked</c> is still on its way. Thread-safe for readers.
/// </summary>
public sealed class PickedLines
{
    private const string Collection = "pickedLines";
    private readonly GatewayDatabase _database;
    private readonly ConcurrentDictionary<string, PickedLine> _lines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PickedLine> _unsaved = new(StringComparer.Ordinal);

    /// <summary>Loads what is stored.</summary>
    public PickedLines(GatewayDatabase database)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        foreach (PickedLine line in database.Run(db => db.GetCollection(Collection).FindAll().Select(Read).ToList()))
        {
            _lines[line.Key] = line;
        }
    }

    /// <summary>Every stored line.</summary>
    public IReadOnlyCollection<PickedLine> All => [.. _lines.Values];

    /// <summary>Whether the line <c>{orderId}:{sku}</c> was picked here and the cloud has not yet said so.</summary>
    public bool Contains(string orderId, string sku) => !_lines.IsEmpty && _lines.ContainsKey(orderId + ":" + sku);

    /// <summary>Picked lines the disk refused, kept in memory and stored by <see cref="SaveUnsaved"/>.</summary>
    public int Unsaved => _unsaved.Count;

    /// <summary>
    /// Counts a picked line at once and stores it. A pick the weight confirmed happened whatever the disk says: on a
    /// full card it is held in memory (availability, the light and the cloud go by it) and <see cref="SaveUnsaved"/>
    /// stores it once the card takes writes again.
    /// </summary>
    /// <exception cref="LiteException">The disk refused it (it is still counted).</exception>
    public void Add(PickedLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        _lines[line.Key] = line;
        _unsaved[line.Key] = line;
        SaveUnsaved();
    }

    /// <summary>Stores every line the disk refused before; throws while it still refuses.</summary>
    public void SaveUnsaved()
    {
        foreach (PickedLine line in _unsaved.Values)
        {
            _database.Run(db => db.GetCollection(Collection).Upsert(new BsonDocument
            {
                ["_id"] = line.Key,
                ["orderId"] = line.OrderId,
                ["sku"] = line.Sku,
                ["quantity"] = line.Quantity,
                ["shelfId"] = line.ShelfId,
                ["ts"] = line.PickedAt.ToUnixTimeMilliseconds(),
            }));
            _unsaved.TryRemove(line.Key, out _);
        }
    }

    /// <summary>Forgets a line the cloud's store data no longer shows reserved.</summary>
    public void Remove(PickedLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        // Out of memory first: a line that stays in the file only comes back at the next start and is forgotten again.
        _lines.TryRemove(line.Key, out _);
        _unsaved.TryRemove(line.Key, out _);
        _database.Run(db => db.GetCollection(Collection).Delete(line.Key));
    }

    private static PickedLine Read(BsonDocument d) =>
        new(d["orderId"].AsString, d["sku"].AsString, d["quantity"].AsInt32, d["shelfId"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(d["ts"].AsInt64));
}
