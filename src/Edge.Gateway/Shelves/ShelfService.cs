using System.Collections.Concurrent;
using System.Device.Gpio;
using Edge.Drivers.Scales.Hx711;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Shelves;

/// <summary>
/// Runs the shelves: builds a pipeline per slot from the layout and the persisted state, opens an HX711 per slot,
/// reads them all on one bus thread, and runs the journal that commits what the pipelines decide.
/// </summary>
public sealed class ShelfService : BackgroundService
{
    private readonly ShelfLayout _layout;
    private readonly ShelfRepository _store;
    private readonly StockJournal _journal;
    private readonly StockBoard _board;
    private readonly DetectionOptions _detection;
    private readonly IShelfTemperature _temperature;
    private readonly Func<GpioController> _gpio;
    private readonly TimeProvider _time;
    private readonly ILogger<ShelfService> _logger;
    private readonly List<Hx711> _chips = [];
    private readonly Dictionary<string, Hx711> _chipOf = new(StringComparer.Ordinal);
    private readonly List<(string ShelfId, FrameTally Frames)> _tallies = [];
    private readonly ConcurrentQueue<Action> _onReader = new();
    private readonly Lock _inline = new();
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Withdrawn = 2;
    private GpioController? _controller;
    private Hx711Bus? _bus;
    // Rounds the reader has come round (between two rounds of readings), and the round in which a change last timed
    // out with when: stuck while no round has passed since. Set only for the round the change was queued in, so a
    // timeout that loses a race with the reader coming round marks nothing.
    private long _rounds;
    private Stall? _stall;

    /// <summary>Created by DI.</summary>
    public ShelfService(ShelfLayout layout, ShelfRepository store, StockJournal journal, StockBoard board, IOptions<DetectionOptions> detection, IShelfTemperature temperature, Func<GpioController> gpio, TimeProvider time, ILogger<ShelfService> logger)
    {
        _layout = layout;
        _store = store;
        _journal = journal;
        _board = board;
        _detection = detection.Value;
        _temperature = temperature;
        _gpio = gpio;
        _time = time;
        _logger = logger;
        _journal.Committed += LogEvents;
        _journal.Failing += error => ShelfLog.JournalFailing(_logger, error);
        _journal.Recovered += waited => ShelfLog.JournalRecovered(_logger, waited);
    }

    /// <summary>The pipelines by slot, in layout order.</summary>
    public IReadOnlyList<SlotPipeline> Pipelines { get; private set; } = [];

    /// <summary>True while the bus thread and journal are working.</summary>
    public bool Healthy => _journal.Healthy;

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, StockRow> rows = _store.LoadStock();
        var pipelines = new List<SlotPipeline>();
        foreach (ShelfOptions s in _layout.Shelves)
        {
            rows.TryGetValue(s.Id, out StockRow? row);
            Calibration calibration = _store.LoadCalibration(s.Id) ?? s.Calibration.ToCalibration();
            var pipeline = new SlotPipeline(new SlotIdentity(s.Id, s.Sku, s.UnitWeightGrams, s.LowStockThreshold), calibration, row?.TareGrams ?? s.TareGrams, _detection, _journal.Post, (int)s.DataRate, _temperature);
            if (row is not null)
            {
                if (row.Counted)
                {
                    pipeline.Restore(row.Count, row.LevelGrams);
                }

                // Show the last committed count straight away; it is what the shelf held when the gateway stopped.
                _board.Publish(row with { Status = SlotStatus.Starting });
            }

            pipeline.StateChanged += p => _journal.Post(RowOf(p));
            pipelines.Add(pipeline);
        }

        Pipelines = pipelines;
        var readable = new List<Hx711>();
        var readablePipelines = new List<SlotPipeline>();
        var tallies = new List<FrameTally>();
        try
        {
            _controller = _gpio();
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or InvalidOperationException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            ShelfLog.NoGpio(_logger, ex.Message);
            foreach (SlotPipeline p in pipelines)
            {
                p.OnRejected("no GPIO controller: " + ex.Message, chipMissing: true, _time.GetUtcNow());
            }

            return base.StartAsync(cancellationToken);
        }

        for (int i = 0; i < _layout.Shelves.Count; i++)
        {
            ShelfOptions s = _layout.Shelves[i];
            try
            {
                var chip = new Hx711(s.DoutPin, s.SckPin, new Hx711Options { DataRate = s.DataRate }, _controller, shouldDispose: false, _time);
                _chips.Add(chip);
                _chipOf[s.Id] = chip;
                readable.Add(chip);
                readablePipelines.Add(pipelines[i]);
                tallies.Add(new FrameTally((int)s.DataRate, _time));
                _tallies.Add((s.Id, tallies[^1]));
            }
            catch (Hx711Exception ex)
            {
                ShelfLog.ShelfUnavailable(_logger, s.Id, ex.Message);
                pipelines[i].OnRejected(ex.Message, chipMissing: true, _time.GetUtcNow());
            }
        }

        var sampler = new ShelfSampler([.. readablePipelines], [.. tallies], _time, p => _journal.Post(RowOf(p)));
        _bus = new Hx711Bus(readable, sampler, "hx711-bus", timeProvider: _time) { BetweenRounds = CameRound };
        _bus.Start();
        ShelfLog.Started(_logger, readable.Count, _layout.Simulated ? "the simulated store" : "GPIO");
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop reading first so the journal's final flush includes every decision.
        _bus?.Dispose();
        await base.StopAsync(cancellationToken);
        foreach (Hx711 chip in _chips)
        {
            chip.Dispose();
        }

        _controller?.Dispose();
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _journal.RunAsync(stoppingToken);

    /// <summary>
    /// How long <see cref="OnReaderAsync"/> waits for the reader thread to take a change: a round of readings takes a
    /// few hundred milliseconds even with every chip absent, so a reader that has not come round by then is stuck.
    /// </summary>
    public TimeSpan ReaderDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="action"/> on the reader thread, between two rounds of readings: pipelines are
    /// single-threaded, and this keeps every change to them on the thread that feeds them.
    /// </summary>
    /// <exception cref="ShelfReaderTimeoutException">
    /// The reader did not take the change within <see cref="ReaderDeadline"/> (a stuck read, or the gateway is
    /// stopping). The change is then withdrawn: it never runs, so the caller can say that nothing changed. Until the
    /// reader next comes round between two rounds of readings, every later change is refused at once the same way
    /// (<see cref="ReaderStuckSince"/>): a stall costs one deadline, not one per caller.
    /// </exception>
    public async Task<T> OnReaderAsync<T>(Func<T> action, CancellationToken cancellationToken = default)
    {
        if (ReaderStuckSince is { } since)
        {
            throw new ShelfReaderTimeoutException(since);
        }

        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        int state = Queued;
        long round = Interlocked.Read(ref _rounds);
        _onReader.Enqueue(() =>
        {
            if (Interlocked.CompareExchange(ref state, Taken, Queued) != Queued)
            {
                return;
            }

            try
            {
                done.SetResult(action());
            }
            catch (Exception ex)
            {
                // Whatever the change threw is its caller's answer, not the end of the reader thread.
                done.SetException(ex);
            }
        });
        if (_bus is null)
        {
            // No reader thread (no GPIO at all): nothing else touches the pipelines, run here.
            RunQueued();
        }

        try
        {
            return await done.Task.WaitAsync(ReaderDeadline, _time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            if (Interlocked.CompareExchange(ref state, Withdrawn, Queued) != Queued)
            {
                // The reader took it at the last moment: it runs to its end, and its answer stands.
                return await done.Task;
            }

            cancellationToken.ThrowIfCancellationRequested();
            Stall? seen = Volatile.Read(ref _stall);
            if (seen?.Round != round)
            {
                // The first timeout of this round says since when; a later one of the same round keeps it.
                Interlocked.CompareExchange(ref _stall, new Stall(round, _time.GetUtcNow()), seen);
            }

            throw new ShelfReaderTimeoutException(ReaderDeadline);
        }
    }

    /// <summary>
    /// When a change first timed out since the reader last came round between two rounds of readings; null while it is
    /// not known to be stuck (and always without a reader thread).
    /// </summary>
    public DateTimeOffset? ReaderStuckSince =>
        _bus is not null && Volatile.Read(ref _stall) is { } stall && stall.Round == Interlocked.Read(ref _rounds) ? stall.Since : null;

    /// <summary>The pipeline of a slot, or null.</summary>
    public SlotPipeline? Find(string shelfId) => Pipelines.FirstOrDefault(p => p.Slot.ShelfId == shelfId);

    /// <summary>Frames the HX711s delivered and the ones rejected (timing, garbled, saturated) since start, over all chips.</summary>
    public (long Accepted, long Rejected) Frames() => (_chips.Sum(c => c.FramesAccepted), _chips.Sum(c => c.FramesRejected));

    /// <summary>Frames one shelf's HX711 delivered and rejected since start; null when it has no chip (it did not open).</summary>
    public (long Accepted, long Rejected)? FramesOf(string shelfId) =>
        _chipOf.TryGetValue(shelfId, out Hx711? chip) ? (chip.FramesAccepted, chip.FramesRejected) : null;

    /// <summary>The same for every shelf whose HX711 could be opened, in layout order.</summary>
    public IEnumerable<(string ShelfId, long Accepted, long Rejected)> FramesByShelf() =>
        _chipOf.Select(p => (p.Key, p.Value.FramesAccepted, p.Value.FramesRejected));

    /// <summary>Frames of each shelf whose HX711 could be opened over the last minute, in layout order (see <see cref="FrameTally"/>).</summary>
    public IEnumerable<(string ShelfId, int SamplesPerSecond, FrameCounts LastMinute)> FramesLastMinute() =>
        _tallies.Select(t => (t.ShelfId, t.Frames.SamplesPerSecond, t.Frames.LastMinute()));

    /// <summary>Power-cycles every HX711 (they reset to A/128 and settle); the pipelines re-acquire their level.</summary>
    public Task<int> RestartSamplerAsync(CancellationToken cancellationToken = default) => OnReaderAsync(
        () =>
        {
            foreach (Hx711 chip in _chips)
            {
                chip.Reset();
            }

            return _chips.Count;
        },
        cancellationToken);

    /// <summary>A change timed out in reader round <paramref name="Round"/>, first at <paramref name="Since"/>.</summary>
    private sealed record Stall(long Round, DateTimeOffset Since);

    private void CameRound()
    {
        RunQueued();
        Interlocked.Increment(ref _rounds);
    }

    private void RunQueued()
    {
        lock (_inline)
        {
            while (_onReader.TryDequeue(out Action? action))
            {
                action();
            }
        }
    }

    private StockRow RowOf(SlotPipeline p) => new(p.Slot.ShelfId, p.HasCount, p.Count, p.LevelGrams, p.TareGrams, p.Status, _time.GetUtcNow());

    private void LogEvents(IReadOnlyList<ShelfEvent> events)
    {
        foreach (ShelfEvent e in events)
        {
            ShelfLog.Event(_logger, e.Type, e.ShelfId, e.Sku, e.CountBefore, e.CountAfter, e.Grams, e.Confidence, e.Seq);
        }
    }
}

/// <summary>The shelf reader thread did not take a change in time, or is known to be stuck; nothing changed.</summary>
public sealed class ShelfReaderTimeoutException : TimeoutException
{
    /// <summary>This change waited <paramref name="deadline"/> and was withdrawn.</summary>
    public ShelfReaderTimeoutException(TimeSpan deadline)
        : this($"the shelf reader did not take the change within {deadline.TotalSeconds:0.#} s (a stuck HX711 read, or the gateway is stopping)")
    {
    }

    /// <summary>This change was refused at once: an earlier one timed out at <paramref name="stuckSince"/> and the reader has not come round since.</summary>
    public ShelfReaderTimeoutException(DateTimeOffset stuckSince)
        : this(StuckReason(stuckSince))
    {
    }

    /// <summary>Why changes are refused while the reader is stuck: also the shelves' health while it lasts.</summary>
    public static string StuckReason(DateTimeOffset stuckSince) =>
        $"the shelf reader has not come round since a change timed out at {stuckSince:yyyy-MM-ddTHH:mm:ssZ} (a stuck HX711 read, or the gateway is stopping)";

    private ShelfReaderTimeoutException(string reason)
        : base(reason + "; nothing changed, try again") => Reason = reason;

    /// <summary>Why, without the advice to the caller (for answers in which something did change).</summary>
    public string Reason { get; }
}
