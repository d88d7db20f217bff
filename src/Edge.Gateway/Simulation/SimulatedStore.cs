using System.Text.Json;
using Edge.Drivers.Scales.Hx711.Simulation;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Simulation;

/// <summary>Outcome of a simulated pick or put.</summary>
public enum SimulatedActionResult
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>No such shelf.</summary>
    UnknownShelf,

    /// <summary>Fewer items on the shelf than asked for.</summary>
    NotEnoughItems,

    /// <summary>The tray has no room for that many more items (its capacity).</summary>
    NoRoom,
}

/// <summary>
/// The simulated store: the physical shelves, an HX711 per shelf on a simulated GPIO board (so the gateway
/// reads them with the real driver), and shoppers and staff who move items. The physical state (items on each
/// tray) is kept in <c>simulation.json</c> in the data directory, because a gateway restart does not put
/// products back on shelves.
/// </summary>
public sealed class SimulatedStore
{
    // One shelf's hand movements are at least this far apart (a hand takes about 0.9 s; see SimulatedShelf).
    private static readonly TimeSpan HandGap = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, SimulatedShelf> _shelves = new(StringComparer.Ordinal);
    private readonly SimulationOptions _options;
    private readonly TimeProvider _time;
    private readonly string _statePath;
    private readonly Lock _saveLock = new();
    private readonly Random _random;
    private long _waitingUntil;
    private long _actions;

    /// <summary>Builds the store and wires one simulated HX711 per shelf to the board at the shelf's pins.</summary>
    public SimulatedStore(IReadOnlyList<ShelfOptions> shelves, SimulationOptions options, string dataDir, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(shelves);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
        _statePath = Path.Combine(dataDir, "simulation.json");
        _random = new Random(options.Seed);
        Board = new SimulatedGpioBoard(_time);
        Dictionary<string, int> saved = LoadState();

        for (int i = 0; i < shelves.Count; i++)
        {
            ShelfOptions s = shelves[i];
            int items = saved.TryGetValue(s.Id, out int n) ? n : (int)Math.Ceiling(s.Capacity * (0.5 + (_random.NextDouble() * 0.5)));
            var shelf = new SimulatedShelf(s, s.TareGrams, items, options.Seed + i, _time);
            _shelves[s.Id] = shelf;
            try
            {
                Board.Attach(new SimulatedHx711(shelf.Millivolts, s.DataRate, options.Seed + i), s.DoutPin, s.SckPin);
            }
            catch (ArgumentException)
            {
                // A shelf configured on pins the board does not have gets no chip: the gateway reports it faulted,
                // as it would on real hardware.
            }
        }

        SaveState();
    }

    /// <summary>The simulated GPIO chip, to put under a GpioController.</summary>
    public SimulatedGpioBoard Board { get; }

    /// <summary>Items really on a shelf, or null for an unknown shelf.</summary>
    public int? ItemsOn(string shelfId) => _shelves.TryGetValue(shelfId, out SimulatedShelf? s) ? s.Items : null;

    /// <summary>Items a shelf holds when full, or null for an unknown shelf.</summary>
    public int? CapacityOf(string shelfId) => _shelves.TryGetValue(shelfId, out SimulatedShelf? s) ? s.Options.Capacity : null;

    /// <summary>A shopper takes <paramref name="items"/> from a shelf.</summary>
    public SimulatedActionResult Pick(string shelfId, int items)
    {
        if (!_shelves.TryGetValue(shelfId, out SimulatedShelf? shelf))
        {
            return SimulatedActionResult.UnknownShelf;
        }

        if (shelf.Items < items)
        {
            return SimulatedActionResult.NotEnoughItems;
        }

        shelf.Take(items);
        SaveState();
        return SimulatedActionResult.Done;
    }

    /// <summary>Someone puts <paramref name="items"/> on a shelf; refused beyond the shelf's capacity.</summary>
    public SimulatedActionResult Put(string shelfId, int items)
    {
        if (!_shelves.TryGetValue(shelfId, out SimulatedShelf? shelf))
        {
            return SimulatedActionResult.UnknownShelf;
        }

        if (shelf.Items + items > shelf.Options.Capacity)
        {
            return SimulatedActionResult.NoRoom;
        }

        shelf.Put(items);
        SaveState();
        return SimulatedActionResult.Done;
    }

    /// <summary>Shopper actions made so far (picks and put-backs, not staff restocks).</summary>
    public long Actions => Interlocked.Read(ref _actions);

    /// <summary>The simulated tray of a shelf, for a technician's actions (test weights, emptying), or null.</summary>
    internal SimulatedShelf? Shelf(string shelfId) => _shelves.GetValueOrDefault(shelfId);

    /// <summary>
    /// Shoppers pick (and now and then put back) items at the configured rate, and staff restock a shelf that ran
    /// low a little later. Returns at once when the rate is 0.
    /// </summary>
    public async Task RunShoppersAsync(CancellationToken cancellationToken)
    {
        if (_options.ShopperRatePerMinute <= 0 || _shelves.Count == 0)
        {
            return;
        }

        SimulatedShelf[] shelves = [.. _shelves.Values];
        var restockDue = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var handFreeAt = new long[shelves.Length];
        long handTicks = (long)(HandGap.TotalSeconds * _time.TimestampFrequency);
        double meanGapSeconds = 60 / _options.ShopperRatePerMinute;
        long arrival = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            // Poisson arrivals across the store, on a schedule of their own: a shopper who waits for a free shelf
            // delays only themselves, not the next arrival. Shoppers act at the same time at different shelves; only
            // one shelf's own hand movements are spaced out (HandGap).
            double gap = -meanGapSeconds * Math.Log(1 - _random.NextDouble());
            arrival += (long)(gap * _time.TimestampFrequency);
            TimeSpan until = _time.GetElapsedTime(_time.GetTimestamp(), arrival);
            if (until > TimeSpan.Zero)
            {
                await WaitAsync(until, cancellationToken).ConfigureAwait(false);
            }

            long now = _time.GetTimestamp();
            int index = _random.Next(shelves.Length);
            for (int tries = 0; handFreeAt[index] > now && tries < shelves.Length; tries++)
            {
                index = (index + 1) % shelves.Length;
            }

            if (handFreeAt[index] > now)
            {
                // Every shelf is in someone's hands: this shopper waits for the first free one.
                index = Array.IndexOf(handFreeAt, handFreeAt.Min());
                await WaitAsync(_time.GetElapsedTime(now, handFreeAt[index]), cancellationToken).ConfigureAwait(false);
            }

            SimulatedShelf shelf = shelves[index];
            handFreeAt[index] = _time.GetTimestamp() + handTicks;
            if (shelf.InService)
            {
                // A technician is calibrating it: this shopper takes nothing.
            }
            else if (shelf.Items > 0 && _random.NextDouble() < 0.85)
            {
                Pick(shelf.Options.Id, _random.NextDouble() < 0.8 ? 1 : Math.Min(2, shelf.Items));
            }
            else if (shelf.Items < shelf.Options.Capacity)
            {
                Put(shelf.Options.Id, 1);
            }

            Interlocked.Increment(ref _actions);
            DateTimeOffset wallNow = _time.GetUtcNow();
            foreach (SimulatedShelf s in shelves)
            {
                string id = s.Options.Id;
                if (s.InService)
                {
                    restockDue.Remove(id);
                }
                else if (s.Items <= s.Options.LowStockThreshold && !restockDue.ContainsKey(id))
                {
                    restockDue[id] = wallNow + TimeSpan.FromSeconds(30 + _random.Next(60));
                }
                else if (restockDue.TryGetValue(id, out DateTimeOffset due) && due <= wallNow)
                {
                    restockDue.Remove(id);
                    if (s.Items < s.Options.Capacity)
                    {
                        Put(id, s.Options.Capacity - s.Items);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The timestamp (<see cref="TimeProvider.GetTimestamp"/>) until which the shoppers wait now; in the past while they
    /// act. A test that advances a fake clock waits until this lies in the future again.
    /// </summary>
    internal long WaitingUntil => Interlocked.Read(ref _waitingUntil);

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        long until = _time.GetTimestamp() + Math.Max(1, (long)(delay.TotalSeconds * _time.TimestampFrequency));
        Task wait = Task.Delay(delay, _time, cancellationToken);
        Interlocked.Exchange(ref _waitingUntil, until);
        await wait.ConfigureAwait(false);
    }

    private Dictionary<string, int> LoadState()
    {
        try
        {
            return File.Exists(_statePath)
                ? JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(_statePath)) ?? []
                : [];
        }
        catch (JsonException)
        {
            return []; // the simulated world is re-stocked; nothing of the gateway's own state depends on this file
        }
    }

    private void SaveState()
    {
        lock (_saveLock)
        {
            var state = _shelves.ToDictionary(kv => kv.Key, kv => kv.Value.Items, StringComparer.Ordinal);
            string temp = _statePath + ".tmp";
            try
            {
                File.WriteAllText(temp, JsonSerializer.Serialize(state));
                File.Move(temp, _statePath, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A full disk: the simulated world lives on in memory and is written with the next change.
            }
        }
    }
}
