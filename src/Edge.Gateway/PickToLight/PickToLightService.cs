using System.Device.Spi;
using System.Drawing;
using System.Globalization;
using Edge.Cloud.Outbox;
using Edge.Drivers.Lights;
using Edge.Drivers.Lights.Simulation;
using Edge.Gateway.Events;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.PickToLight;

/// <summary>A shelf lit for a line, as <c>/api/pick-to-light</c> gives it.</summary>
public sealed record LitShelf(string ShelfId, string OrderId, string Sku, int Quantity, string Color, DateTimeOffset Since);

/// <summary>
/// The strip as last written: whether it is enabled, its fault (null while it writes), the lit shelves, the shelves
/// flashing, the lines picked here that the cloud has not yet echoed, and each LED's colour (<c>#rrggbb</c>) as
/// <see cref="PixelsSource"/> says: <c>wire</c> decoded from the simulated device's SPI stream, <c>driver</c> what
/// was last written to a real strip, null before the first write.
/// </summary>
public sealed record PickToLightStatus(bool Enabled, int Length, int SpiBus, int ChipSelect, double ConfirmWithinSeconds, string? Fault, long Frames,
    IReadOnlyList<LitShelf> Lit, IReadOnlyList<string> Flashing, IReadOnlyList<PickedLine> Picked, IReadOnlyList<ShelfLightOptions> Shelves,
    IReadOnlyList<string>? Pixels, string? PixelsSource, DateTimeOffset? UpdatedAt)
{
    /// <summary>The state of a gateway that drives no strip.</summary>
    public static PickToLightStatus Disabled { get; } = new(false, 0, 0, 0, 0, null, 0, [], [], [], [], null, null, null);
}

/// <summary>
/// Drives the strip from <see cref="PickPlanner"/> on a thread of its own (an SPI write blocks for about 15 ms at 450
/// LEDs): every <see cref="Tick"/> it takes the reservations when the store data changed (and each second, for
/// expiry), reads the journal's new shelf events from its own cursor (so a busy bus loses none), stores and reports each
/// confirmed pick, and writes the strip only when the picture changed. A strip that cannot be opened or written is
/// a fault in <see cref="Status"/>, tried again every <see cref="RetryEvery"/>; the rest goes on.
/// </summary>
public sealed class PickToLightService(IOptions<PickToLightOptions> options, ShelfLayout layout, StoreDataView data, StockBoard board, ShelfRepository journal,
    PickedLines picked, EventBus bus, Func<SpiDevice> openSpi, TimeProvider time, ILogger<PickToLightService> logger) : BackgroundService
{
    /// <summary>How often the journal, the reservations and the picture are looked at (a flash phase is 250 ms).</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>How long after a failed open or write the strip is tried again.</summary>
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ReconcileEvery = TimeSpan.FromSeconds(1);
    private readonly PickToLightOptions _options = options.Value;
    private PickPlanner? _planner;
    private SpiDevice? _spi;
    private PickLightStrip? _strip;
    private Color[]? _written;
    private string? _fault;
    private DateTimeOffset _retryAt;
    private DateTimeOffset _reconciledAt;
    private long _reservationsVersion = long.MinValue;
    private long _cursor;
    private long _frames;
    private PickToLightStatus _status = PickToLightStatus.Disabled;

    /// <summary>The strip as last written (thread-safe).</summary>
    public PickToLightStatus Status => Volatile.Read(ref _status);

    /// <summary>Loads the picked lines, starts reading the journal at its end, and reports again every line picked but not yet echoed.</summary>
    internal void Start()
    {
        IEnumerable<ShelfRange> ranges = _options.Shelves.Select(s => new ShelfRange(s.ShelfId, layout.Find(s.ShelfId)?.Sku ?? "", s.First, s.Count));
        _planner = new PickPlanner(ranges, _options.Length, _options.ConfirmWithin, time, picked.All);
        _cursor = journal.LastSeq;
        // The report may not have reached the outbox before a crash; its message id is the same, so the cloud takes it once.
        foreach (PickedLine line in picked.All)
        {
            bus.Publish(new ReservationPicked(line));
        }
    }

    /// <summary>One pass: open the strip if due, take the reservations and the new shelf events, write the picture if it changed.</summary>
    internal void Step()
    {
        PickPlanner planner = _planner ?? throw new InvalidOperationException("Start first");
        DateTimeOffset now = time.GetUtcNow();
        long version = data.VersionOf(StoreDataKinds.Reservations)?.Version ?? -1;
        // Either way apart: a clock stepped back must not stop the reconciling until it has caught up.
        if (version != _reservationsVersion || (now - _reconciledAt).Duration() >= ReconcileEvery)
        {
            _reservationsVersion = version;
            _reconciledAt = now;
            if (picked.Unsaved > 0)
            {
                Guard(picked.SaveUnsaved, "store the picked lines the disk refused");
            }

            foreach (PickedLine done in planner.Reconcile(data.Reservations, id => board.Get(id) is { Counted: true } row ? row.Count : null))
            {
                Guard(() => picked.Remove(done), "forget a picked line");
            }
        }

        ReadJournal(planner);
        OpenIfDue(now);
        Color[] frame = planner.Render();
        if (_strip is { } strip && (_written is null || !frame.SequenceEqual(_written)) && (_fault is null || now >= _retryAt))
        {
            for (int i = 0; i < frame.Length; i++)
            {
                strip.Fill(i, 1, frame[i]);
            }

            if (strip.Update())
            {
                _written = frame;
                _frames++;
                SetFault(null, now);
            }
            else
            {
                SetFault(strip.Fault, now);
            }
        }

        Publish(planner, now);
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _options.Enabled ? WriterThread.Start("pick-to-light", () => Run(stoppingToken)) : Task.CompletedTask;

    /// <inheritdoc />
    public override void Dispose()
    {
        _strip?.Dispose();
        if (_strip is null)
        {
            _spi?.Dispose();
        }

        base.Dispose();
    }

    private void Run(CancellationToken cancellationToken)
    {
        Start();
        PickToLightLog.Driving(logger, _options.Length, _options.SpiBus, _options.ChipSelect, _options.Shelves.Count);
        while (!cancellationToken.IsCancellationRequested)
        {
            Step();
            _ = WriterThread.WaitAny(Task.Delay(Tick, time, cancellationToken));
        }

        // The gateway stops: the LEDs go dark rather than keep showing orders nobody is told about.
        if (_strip is { } strip)
        {
            strip.Clear();
            strip.Update();
        }
    }

    private void ReadJournal(PickPlanner planner)
    {
        if (journal.LastSeq < _cursor)
        {
            _cursor = journal.LastSeq; // a journal that was replaced: go on from its end
        }

        while (journal.LastSeq > _cursor)
        {
            IReadOnlyList<JournalEntry> entries;
            try
            {
                entries = journal.EntriesAfter(_cursor, 200);
            }
            catch (Exception ex) when (ex is LiteDB.LiteException or IOException or ObjectDisposedException)
            {
                PickToLightLog.StorageFailed(logger, "read the journal", ex);
                return;
            }

            if (entries.Count == 0)
            {
                return;
            }

            foreach (JournalEntry entry in entries)
            {
                _cursor = entry.Event.Seq;
                RemovalResult result = planner.OnRemoved(entry.Event);
                switch (result.Outcome)
                {
                    case RemovalOutcome.Picked when result.Picked is { } line:
                        Guard(() => picked.Add(line), "store a picked line");
                        PickToLightLog.Picked(logger, line.OrderId, line.Sku, line.Quantity, line.ShelfId);
                        bus.Publish(new ReservationPicked(line));
                        break;
                    case RemovalOutcome.WrongQuantity or RemovalOutcome.WrongShelf:
                        PickToLightLog.Flashed(logger, result.ShelfId, result.Outcome == RemovalOutcome.WrongShelf ? "wrong shelf" : "wrong quantity", entry.Event.CountBefore - entry.Event.CountAfter);
                        break;
                }
            }
        }
    }

    private void OpenIfDue(DateTimeOffset now)
    {
        if (_strip is not null || now < _retryAt)
        {
            return;
        }

        try
        {
            _spi ??= openSpi();
            _strip = new PickLightStrip(_spi, _options.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException or DllNotFoundException or InvalidOperationException)
        {
            _spi?.Dispose();
            _spi = null;
            SetFault($"the LED strip on SPI bus {_options.SpiBus}, chip select {_options.ChipSelect} cannot be opened: {ex.Message}", now);
        }
    }

    private void SetFault(string? fault, DateTimeOffset now)
    {
        if (fault is not null)
        {
            _retryAt = now + RetryEvery;
        }

        if (fault != _fault)
        {
            if (fault is null)
            {
                PickToLightLog.Recovered(logger);
            }
            else
            {
                PickToLightLog.Faulted(logger, fault);
            }
        }

        _fault = fault;
    }

    private void Publish(PickPlanner planner, DateTimeOffset now)
    {
        IReadOnlyList<Color>? shown = _spi is SimulatedWs2812Strip wire ? wire.Shown : _written;
        Volatile.Write(ref _status, new PickToLightStatus(true, _options.Length, _options.SpiBus, _options.ChipSelect, _options.ConfirmWithin.TotalSeconds, _fault, _frames,
            [.. planner.Lit.Select(l => new LitShelf(l.ShelfId, l.OrderId, l.Sku, l.Quantity, Hex(l.Color), l.Since))],
            planner.Flashing(), [.. planner.Picked.OrderBy(p => p.Key, StringComparer.Ordinal)], _options.Shelves,
            _written is null ? null : [.. shown!.Select(Hex)], _written is null ? null : _spi is SimulatedWs2812Strip ? "wire" : "driver", now));
    }

    private void Guard(Action storage, string what)
    {
        try
        {
            storage();
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The light and the report do not wait for the disk: picked lines are counted in memory and stored later.
            PickToLightLog.StorageFailed(logger, what, ex);
        }
    }

    /// <summary>A colour as <c>#rrggbb</c>.</summary>
    public static string Hex(Color c) => string.Create(CultureInfo.InvariantCulture, $"#{c.R:x2}{c.G:x2}{c.B:x2}");
}

/// <summary>Pick-to-light log messages (event ids 1700-1709).</summary>
internal static partial class PickToLightLog
{
    [LoggerMessage(1700, LogLevel.Information, "Pick-to-light drives {Length} LEDs on SPI bus {Bus}, chip select {ChipSelect}, for {Shelves} shelves")]
    public static partial void Driving(ILogger logger, int length, int bus, int chipSelect, int shelves);

    [LoggerMessage(1701, LogLevel.Information, "Order {OrderId}: {Quantity} × {Sku} picked from {ShelfId}, confirmed by the weight")]
    public static partial void Picked(ILogger logger, string orderId, string sku, int quantity, string shelfId);

    [LoggerMessage(1702, LogLevel.Information, "Shelf {ShelfId} flashes: {Reason} ({Items} items taken)")]
    public static partial void Flashed(ILogger logger, string shelfId, string reason, int items);

    [LoggerMessage(1703, LogLevel.Warning, "Pick-to-light: {Fault}")]
    public static partial void Faulted(ILogger logger, string fault);

    [LoggerMessage(1704, LogLevel.Information, "The pick-to-light strip writes again")]
    public static partial void Recovered(ILogger logger);

    [LoggerMessage(1705, LogLevel.Error, "Pick-to-light could not {What}")]
    public static partial void StorageFailed(ILogger logger, string what, Exception exception);
}
