namespace Edge.Drivers.Scales.Hx711;

/// <summary>Receives every read attempt of a bus, on the bus thread. Must return quickly and not block.</summary>
public interface IHx711Sink
{
    /// <summary>One read attempt of the chip at <paramref name="channel"/> (its index on the bus).</summary>
    void OnReading(int channel, in Hx711Reading reading);
}

/// <summary>
/// One dedicated reader thread for a set of HX711s sharing a GPIO controller. Bit-banging needs an
/// undisturbed thread; one per bus keeps GPIO access single-threaded and the pulse timing tight.
/// </summary>
public sealed class Hx711Bus : IDisposable
{
    private readonly IReadOnlyList<Hx711> _chips;
    private readonly IHx711Sink _sink;
    private readonly TimeProvider _time;
    private readonly TimeSpan _faultRetry;
    private readonly long[] _retryAt;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <summary>Creates a bus; call <see cref="Start"/> to begin reading.</summary>
    /// <param name="chips">The chips, read round-robin; a chip's index is its channel in <see cref="IHx711Sink"/>.</param>
    /// <param name="sink">Where readings go.</param>
    /// <param name="name">Thread name, for diagnostics.</param>
    /// <param name="faultRetry">How long a chip that did not respond is skipped, so that one dead chip does not slow the others.</param>
    /// <param name="timeProvider">Clock for the skip interval.</param>
    public Hx711Bus(IReadOnlyList<Hx711> chips, IHx711Sink sink, string name = "hx711-bus", TimeSpan? faultRetry = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(chips);
        _chips = chips;
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _time = timeProvider ?? TimeProvider.System;
        _faultRetry = faultRetry ?? TimeSpan.FromSeconds(2);
        _retryAt = new long[chips.Count];
        _thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
    }

    /// <summary>Runs on the bus thread before every round: the way to act on the chips (or what reads them) from elsewhere.</summary>
    public Action? BetweenRounds { get; set; }

    /// <summary>Starts the reader thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Reads every due chip once. The thread calls this in a loop; tests call it directly.</summary>
    /// <returns>The number of chips read.</returns>
    public int Step()
    {
        BetweenRounds?.Invoke();
        int read = 0;
        for (int i = 0; i < _chips.Count && !_stopping; i++)
        {
            long now = _time.GetTimestamp();
            if (_retryAt[i] > now)
            {
                continue;
            }

            Hx711Reading reading = _chips[i].Read();
            read++;
            _retryAt[i] = reading.Status == Hx711ReadStatus.NotResponding
                ? _time.GetTimestamp() + (long)(_faultRetry.TotalSeconds * _time.TimestampFrequency)
                : 0;
            _sink.OnReading(i, reading);
        }

        return read;
    }

    /// <summary>Stops the thread and waits for it to finish its current read.</summary>
    public void Dispose()
    {
        _stopping = true;
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            if (Step() == 0 && !_stopping)
            {
                // Every chip is faulted and waiting out its retry interval.
                Thread.Sleep(50);
            }
        }
    }
}
