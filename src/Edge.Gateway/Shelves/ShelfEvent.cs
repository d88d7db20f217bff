using System.Text.Json.Serialization;

namespace Edge.Gateway.Shelves;

/// <summary>What happened on a shelf slot. The names are part of the cloud contract.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ShelfEventType>))]
public enum ShelfEventType
{
    /// <summary>A shopper took items.</summary>
    ItemsRemoved,

    /// <summary>A few items were put back.</summary>
    ItemsAdded,

    /// <summary>Staff added at least the restock threshold of items at once.</summary>
    Restocked,

    /// <summary>The count fell to or below the slot's low-stock threshold.</summary>
    LowStock,

    /// <summary>The count reached zero.</summary>
    OutOfStock,

    /// <summary>A settled change that is not a whole number of items: a foreign object or the wrong product.</summary>
    UnknownChange,

    /// <summary>The load cell stopped giving usable readings.</summary>
    SensorFault,

    /// <summary>The load cell gives usable readings again.</summary>
    SensorRecovered,
}

/// <summary>One shelf event. <see cref="Seq"/> is assigned when the event is journaled (0 before that).</summary>
public sealed record ShelfEvent
{
    /// <summary>Per-gateway monotonic sequence number, gap-free in the journal.</summary>
    public long Seq { get; init; }

    /// <summary>What happened.</summary>
    public required ShelfEventType Type { get; init; }

    /// <summary>Shelf slot id.</summary>
    public required string ShelfId { get; init; }

    /// <summary>Product on the slot.</summary>
    public required string Sku { get; init; }

    /// <summary>Item count before the event.</summary>
    public int CountBefore { get; init; }

    /// <summary>Item count after the event.</summary>
    public int CountAfter { get; init; }

    /// <summary>Settled weight change in grams (0 for sensor events).</summary>
    public double Grams { get; init; }

    /// <summary>0 to 1: how close the change was to a whole number of items (1 for sensor and stock-level events).</summary>
    public double Confidence { get; init; }

    /// <summary>When the change was decided: the sample that completed the still window (about its length after the shelf settled).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Human-readable detail (the fault, the reason for an unknown change).</summary>
    public string? Detail { get; init; }
}
