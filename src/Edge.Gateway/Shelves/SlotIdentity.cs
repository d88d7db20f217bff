namespace Edge.Gateway.Shelves;

/// <summary>Where a slot stands, as shown by <c>GET /api/stock</c>.</summary>
public enum SlotStatus
{
    /// <summary>Waiting for a first still window (after start, tare, calibration or a fault).</summary>
    Starting,

    /// <summary>Counting, above the low-stock threshold.</summary>
    Ok,

    /// <summary>Counting, at or below the low-stock threshold.</summary>
    Low,

    /// <summary>Counting, empty.</summary>
    Out,

    /// <summary>The sensor gives no usable readings.</summary>
    Faulted,
}

/// <summary>The identity of a slot as the pipeline needs it.</summary>
public sealed record SlotIdentity(string ShelfId, string Sku, double UnitWeightGrams, int LowStockThreshold);
