namespace Edge.Gateway.Shelves;

/// <summary>Domain event: shelf events and stock rows the journal has just committed (published after the commit).</summary>
/// <param name="Events">The events, with their journal seq.</param>
/// <param name="Rows">The stock rows committed with them (the latest per shelf).</param>
public sealed record ShelfEventsJournaled(IReadOnlyList<ShelfEvent> Events, IReadOnlyList<StockRow> Rows);
