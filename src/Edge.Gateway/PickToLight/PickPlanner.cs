using System.Drawing;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;

namespace Edge.Gateway.PickToLight;

/// <summary>A shelf's LEDs on the strip and the product it holds.</summary>
public sealed record ShelfRange(string ShelfId, string Sku, int First, int Count);

/// <summary>A reservation line waiting to be picked, and the shelf lit for it in its order's colour.</summary>
public sealed record LitLine(string OrderId, string Sku, int Quantity, string ShelfId, Color Color, DateTimeOffset Since)
{
    /// <summary>The line's key in the store data, <c>{orderId}:{sku}</c> (not in the API's JSON: its parts are).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => OrderId + ":" + Sku;
}

/// <summary>A line the weight confirmed as picked, kept until the cloud's store data no longer shows it reserved.</summary>
public sealed record PickedLine(string OrderId, string Sku, int Quantity, string ShelfId, DateTimeOffset PickedAt)
{
    /// <summary>The line's key in the store data, <c>{orderId}:{sku}</c> (not in the API's JSON: its parts are).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => OrderId + ":" + Sku;
}

/// <summary>What a removal of items meant to pick-to-light.</summary>
public enum RemovalOutcome
{
    /// <summary>Nothing to do with a lit line (a shopper on another shelf).</summary>
    Ignored,

    /// <summary>Fewer items than a lit line wants so far: the next removals within the window may complete it.</summary>
    Pending,

    /// <summary>A lit line is picked.</summary>
    Picked,

    /// <summary>A lit shelf lost more items than any line on it wants: it flashes.</summary>
    WrongQuantity,

    /// <summary>Items of a lit line's product came off a shelf that is not lit: that shelf flashes.</summary>
    WrongShelf,
}

/// <summary>The outcome of one removal, with the line it picked.</summary>
public sealed record RemovalResult(RemovalOutcome Outcome, string ShelfId, PickedLine? Picked = null);

/// <summary>
/// The pick-to-light decisions, without I/O and with an injected clock: which shelves are lit in which colour for
/// which reservation lines, when a removal of items confirms a pick, and what the strip shows at an instant.
/// Not thread-safe: one owner (<see cref="PickToLightService"/>'s thread) calls it.
/// </summary>
/// <remarks>
/// A line that holds (reserved, before its pickup time) for a SKU on a mapped shelf lights that shelf: the one with the
/// most items that has at least the quantity (else the first), kept until the line is picked or stops holding. An
/// order keeps one colour for all its lines; a new order takes the first palette colour no lit order has (after
/// <see cref="Palette"/>'s eight, colours repeat). A shelf lit for several lines is split into equal segments, oldest
/// line first (with more lines than LEDs, the oldest ones show). Removals on a lit shelf are summed newest first over
/// <c>ConfirmWithin</c>: a run that equals a lit line's quantity picks it (the oldest such line); a window that already
/// holds at least the largest quantity without matching flashes the shelf (<see cref="FlashColor"/> on and off for
/// <see cref="FlashFor"/>) and starts counting again.
/// </remarks>
public sealed class PickPlanner
{
    /// <summary>Order colours, chosen to be told apart on a shelf edge; red is kept for <see cref="FlashColor"/>.</summary>
    public static readonly IReadOnlyList<Color> Palette =
    [
        Color.FromArgb(0, 80, 255), Color.FromArgb(255, 140, 0), Color.FromArgb(0, 200, 64), Color.FromArgb(224, 0, 224),
        Color.FromArgb(0, 208, 208), Color.FromArgb(255, 208, 0), Color.FromArgb(128, 48, 255), Color.FromArgb(255, 255, 255),
    ];

    /// <summary>What a flashing shelf shows while on.</summary>
    public static readonly Color FlashColor = Color.FromArgb(255, 0, 0);

    /// <summary>How long a shelf flashes.</summary>
    public static readonly TimeSpan FlashFor = TimeSpan.FromSeconds(3);

    /// <summary>How long each on and each off phase of a flash lasts.</summary>
    public static readonly TimeSpan FlashPhase = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<string, ShelfRange> _shelves;
    private readonly int _length;
    private readonly TimeSpan _confirmWithin;
    private readonly TimeProvider _time;
    private readonly List<LitLine> _lit = [];
    private readonly Dictionary<string, PickedLine> _picked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(DateTimeOffset At, int Items)>> _removals = new(StringComparer.Ordinal);
    // Monotonic timestamps: a wall clock stepped back an hour must not flash a shelf for an hour.
    private readonly Dictionary<string, long> _flashSince = new(StringComparer.Ordinal);

    /// <summary>A planner for a strip of <paramref name="length"/> LEDs, starting with the lines already picked (from the database).</summary>
    public PickPlanner(IEnumerable<ShelfRange> shelves, int length, TimeSpan confirmWithin, TimeProvider time, IEnumerable<PickedLine>? picked = null)
    {
        ArgumentNullException.ThrowIfNull(shelves);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _shelves = shelves.ToDictionary(s => s.ShelfId, StringComparer.Ordinal);
        _length = length;
        _confirmWithin = confirmWithin;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        foreach (PickedLine p in picked ?? [])
        {
            _picked[p.Key] = p;
        }
    }

    /// <summary>The lines lit now, oldest first.</summary>
    public IReadOnlyList<LitLine> Lit => _lit;

    /// <summary>The lines picked here that the cloud's store data still shows reserved.</summary>
    public IReadOnlyCollection<PickedLine> Picked => _picked.Values;

    /// <summary>The shelves flashing now.</summary>
    public IReadOnlyList<string> Flashing()
    {
        return [.. _flashSince.Where(f => _time.GetElapsedTime(f.Value) < FlashFor).Select(f => f.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Takes the reservation lines as the store data has them now: lights the lines that hold, turns off those that no
    /// longer do (cancelled, collected, expired, gone), and forgets picked lines the cloud no longer shows reserved;
    /// returns those forgotten (for the caller to delete). <paramref name="itemsOn"/> gives a shelf's count, if known.
    /// </summary>
    public IReadOnlyList<PickedLine> Reconcile(IEnumerable<ReservationLine> lines, Func<string, int?>? itemsOn = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        DateTimeOffset now = _time.GetUtcNow();
        Dictionary<string, ReservationLine> holding = lines.Where(l => l.Holds(now)).ToDictionary(l => l.OrderId + ":" + l.Sku, StringComparer.Ordinal);
        List<PickedLine> forgotten = [.. _picked.Values.Where(p => !holding.ContainsKey(p.Key))];
        foreach (PickedLine p in forgotten)
        {
            _picked.Remove(p.Key);
        }

        for (int i = _lit.Count - 1; i >= 0; i--)
        {
            if (!holding.TryGetValue(_lit[i].Key, out ReservationLine? line) || _picked.ContainsKey(_lit[i].Key))
            {
                _lit.RemoveAt(i);
            }
            else if (line.Quantity != _lit[i].Quantity)
            {
                _lit[i] = _lit[i] with { Quantity = line.Quantity }; // the order was amended: same shelf, same colour
            }
        }

        HashSet<string> lit = [.. _lit.Select(l => l.Key)];
        foreach ((string key, ReservationLine line) in holding.OrderBy(h => h.Value.PickupBy).ThenBy(h => h.Key, StringComparer.Ordinal))
        {
            if (lit.Contains(key) || _picked.ContainsKey(key) || ShelfFor(line, itemsOn) is not { } shelf)
            {
                continue;
            }

            _lit.Add(new LitLine(line.OrderId, line.Sku, line.Quantity, shelf.ShelfId, ColourFor(line.OrderId), now));
        }

        return forgotten;
    }

    /// <summary>Takes one shelf event (only <see cref="ShelfEventType.ItemsRemoved"/> matters) and says what it meant.</summary>
    public RemovalResult OnRemoved(ShelfEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        int items = e.CountBefore - e.CountAfter;
        if (e.Type != ShelfEventType.ItemsRemoved || items <= 0 || !_shelves.ContainsKey(e.ShelfId))
        {
            return new RemovalResult(RemovalOutcome.Ignored, e.ShelfId);
        }

        List<LitLine> here = [.. _lit.Where(l => l.ShelfId == e.ShelfId)];
        if (here.Count == 0)
        {
            if (_lit.Any(l => l.Sku == e.Sku))
            {
                Flash(e.ShelfId);
                return new RemovalResult(RemovalOutcome.WrongShelf, e.ShelfId);
            }

            return new RemovalResult(RemovalOutcome.Ignored, e.ShelfId);
        }

        if (!_removals.TryGetValue(e.ShelfId, out List<(DateTimeOffset At, int Items)>? window))
        {
            _removals[e.ShelfId] = window = [];
        }

        window.Add((e.Timestamp, items));
        window.RemoveAll(r => e.Timestamp - r.At > _confirmWithin);
        int sum = 0;
        for (int i = window.Count - 1; i >= 0; i--)
        {
            sum += window[i].Items;
            if (here.FirstOrDefault(l => l.Quantity == sum) is { } line)
            {
                window.RemoveRange(i, window.Count - i);
                _lit.Remove(line);
                var picked = new PickedLine(line.OrderId, line.Sku, line.Quantity, line.ShelfId, e.Timestamp);
                _picked[picked.Key] = picked;
                return new RemovalResult(RemovalOutcome.Picked, e.ShelfId, picked);
            }
        }

        if (sum < here.Max(l => l.Quantity))
        {
            return new RemovalResult(RemovalOutcome.Pending, e.ShelfId);
        }

        window.Clear();
        Flash(e.ShelfId);
        return new RemovalResult(RemovalOutcome.WrongQuantity, e.ShelfId);
    }

    /// <summary>What each LED is to show now (black = off).</summary>
    public Color[] Render()
    {
        DateTimeOffset now = _time.GetUtcNow();
        var pixels = new Color[_length];
        Array.Fill(pixels, Color.Black);
        foreach (ShelfRange shelf in _shelves.Values)
        {
            List<LitLine> lines = [.. _lit.Where(l => l.ShelfId == shelf.ShelfId)];
            int segments = Math.Min(lines.Count, shelf.Count);
            for (int i = 0; i < segments; i++)
            {
                int from = shelf.First + (i * shelf.Count / segments);
                int to = shelf.First + ((i + 1) * shelf.Count / segments);
                Array.Fill(pixels, lines[i].Color, from, to - from);
            }

            if (_flashSince.TryGetValue(shelf.ShelfId, out long since))
            {
                TimeSpan flashed = _time.GetElapsedTime(since);
                if (flashed >= FlashFor)
                {
                    _flashSince.Remove(shelf.ShelfId);
                }
                else
                {
                    bool on = flashed.Ticks / FlashPhase.Ticks % 2 == 0;
                    Array.Fill(pixels, on ? FlashColor : Color.Black, shelf.First, shelf.Count);
                }
            }
        }

        return pixels;
    }

    private void Flash(string shelfId) => _flashSince[shelfId] = _time.GetTimestamp();

    private ShelfRange? ShelfFor(ReservationLine line, Func<string, int?>? itemsOn)
    {
        List<ShelfRange> candidates = [.. _shelves.Values.Where(s => s.Sku == line.Sku).OrderBy(s => s.First)];
        return candidates
            .Select(s => (Shelf: s, Items: itemsOn?.Invoke(s.ShelfId)))
            .Where(c => c.Items >= line.Quantity)
            .OrderByDescending(c => c.Items)
            .Select(c => c.Shelf)
            .FirstOrDefault() ?? candidates.FirstOrDefault();
    }

    private Color ColourFor(string orderId)
    {
        if (_lit.FirstOrDefault(l => l.OrderId == orderId) is { } same)
        {
            return same.Color;
        }

        HashSet<int> used = [.. _lit.Select(l => l.Color.ToArgb())];
        return Palette.FirstOrDefault(c => !used.Contains(c.ToArgb()), Palette[_lit.Select(l => l.OrderId).Distinct(StringComparer.Ordinal).Count() % Palette.Count]);
    }
}
