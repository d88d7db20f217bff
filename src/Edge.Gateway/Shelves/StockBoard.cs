using System.Collections.Concurrent;

namespace Edge.Gateway.Shelves;

/// <summary>The committed stock of every slot, as served by <c>GET /api/stock</c>. Thread-safe.</summary>
public sealed class StockBoard
{
    private readonly ConcurrentDictionary<string, StockRow> _rows = new(StringComparer.Ordinal);

    /// <summary>Shows a committed row.</summary>
    public void Publish(StockRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _rows[row.ShelfId] = row;
    }

    /// <summary>The committed row of a slot, if any.</summary>
    public StockRow? Get(string shelfId) => _rows.TryGetValue(shelfId, out StockRow? row) ? row : null;
}
