

namespace Edge.Gateway.Shelves;

/// <summary>The persisted state of one slot: what survives a restart. <see cref="Counted"/> is false until a count was established.</summary>
public sealed record StockRow(string ShelfId, bool Counted, int Count, double LevelGrams, double TareGrams, SlotStatus Status, DateTimeOffset UpdatedAt);
