using System.Device.Gpio;

namespace Edge.Drivers.Scales.Hx711;

/// <summary>
/// HX711 24-bit load-cell ADC bit-banged over two GPIO lines (DOUT in, PD_SCK out).
/// Not thread-safe by design: one reader thread owns a chip (see <see cref="Hx711Bus"/>).
/// </summary>
/// <remarks>
/// Unlike a naive reader, every wait has a deadline, every clock high phase is timed against the
/// power-down limit, DOUT must be released after the last pulse, and saturation codes are flagged.
/// </remarks>
public sealed class Hx711 : IDisposable
{
    private const int DataBits = 24;

    /// <summary>A PD_SCK high phase this long may have powered the chip down (datasheet p.5: above 60 µs).</summary>
    public static readonly TimeSpan PowerDownHighPhase = TimeSpan.FromMicroseconds(60);

    private readonly GpioController _gpio;
    private readonly bool _shouldDispose;
    private readonly TimeProvider _time;
    private readonly Hx711Options _options;
    private readonly int _dout;
    private readonly int _sck;
    private readonly TimeSpan _waitSlice;
    private readonly long _highPhaseLimitTicks;
    private readonly long _powerDownTicks;
    private readonly long _settlingTicks;

    // One cancellation source reused across waits; it is replaced only after it fired (a slice timed out),
    // so a chip that answers on time costs no allocation.
    private CancellationTokenSource _waitCts;

    private Hx711Mode _requestedMode;
    private Hx711Mode _modeOfNextFrame;
    private long _settledAfter;
    private bool _discardNext;
    private bool _poweredDown;
    private bool _disposed;

    /// <summary>Opens PD_SCK as an output (driven low, so the chip is powered up) and DOUT as an input.</summary>
    /// <param name="doutPin">Logical GPIO number wired to DOUT.</param>
    /// <param name="sckPin">Logical GPIO number wired to PD_SCK.</param>
    /// <param name="options">Mode, data rate and limits; defaults to A/128 at 10 SPS.</param>
    /// <param name="gpioController">Controller to use; a new default one when null.</param>
    /// <param name="shouldDispose">Whether disposing this driver disposes the controller.</param>
    /// <param name="timeProvider">Clock for deadlines and high-phase timing; <see cref="TimeProvider.System"/> when null.</param>
    public Hx711(int doutPin, int sckPin, Hx711Options? options = null, GpioController? gpioController = null, bool shouldDispose = true, TimeProvider? timeProvider = null)
    {
        _options = options ?? new Hx711Options();
        _options.Validate();
        if (doutPin == sckPin)
        {
            throw new ArgumentException($"DOUT and PD_SCK must be different pins (both are {doutPin}).", nameof(sckPin));
        }

        _gpio = gpioController ?? new GpioController();
        _shouldDispose = gpioController is null || shouldDispose;
        _time = timeProvider ?? TimeProvider.System;
        _dout = doutPin;
        _sck = sckPin;
        _waitSlice = _options.ConversionPeriod;
        _highPhaseLimitTicks = ToTicks(_options.HighPhaseLimit);
        _powerDownTicks = ToTicks(PowerDownHighPhase);
        _settlingTicks = ToTicks(_options.SettlingTime);
        _waitCts = NewWaitSource();

        try
        {
            _gpio.OpenPin(_sck, PinMode.Output, PinValue.Low);
            _gpio.OpenPin(_dout, PinMode.Input);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            if (_shouldDispose)
            {
                _gpio.Dispose();
            }

            string reason = ex is ArgumentException { ParamName: { } param } ? ex.Message.Replace($" (Parameter '{param}')", "", StringComparison.Ordinal) : ex.Message;
            throw new Hx711Exception($"Cannot open HX711 pins DOUT={doutPin}, PD_SCK={sckPin}: {reason}", ex);
        }

        _requestedMode = _options.Mode;
        // After power-up the chip converts on channel A / gain 128 whatever we want next.
        _modeOfNextFrame = Hx711Mode.ChannelAGain128;
        _settledAfter = _time.GetTimestamp() + _settlingTicks;
    }

    /// <summary>GPIO number of DOUT.</summary>
    public int DoutPin => _dout;

    /// <summary>GPIO number of PD_SCK.</summary>
    public int SckPin => _sck;

    /// <summary>The mode requested for coming conversions.</summary>
    public Hx711Mode Mode => _requestedMode;

    /// <summary>Data rate this chip is strapped for.</summary>
    public Hx711DataRate DataRate => _options.DataRate;

    /// <summary>Frames read and accepted.</summary>
    public long FramesAccepted { get; private set; }

    /// <summary>Frames read and rejected (timing, garbled, saturated) or discarded while settling.</summary>
    public long FramesRejected { get; private set; }

    /// <summary>Reads that gave up waiting for DOUT.</summary>
    public long Timeouts { get; private set; }

    /// <summary>
    /// Requests another channel/gain. The frame already converting was started with the old mode, so the next
    /// read returns <see cref="Hx711ReadStatus.Settling"/> and the one after it is in the new mode.
    /// </summary>
    public void SetMode(Hx711Mode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown HX711 mode.");
        }

        _requestedMode = mode;
    }

    /// <summary>Holds PD_SCK high past the 60 µs limit so the chip enters power-down (datasheet p.5).</summary>
    public void PowerDown()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _gpio.Write(_sck, PinValue.Low);
        _gpio.Write(_sck, PinValue.High);
        _poweredDown = true;
    }

    /// <summary>
    /// Drives PD_SCK low: the chip resets to channel A / gain 128 and settles; frames read before the settling time
    /// has passed are discarded.
    /// </summary>
    public void PowerUp()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _gpio.Write(_sck, PinValue.Low);
        _poweredDown = false;
        _modeOfNextFrame = Hx711Mode.ChannelAGain128;
        _settledAfter = _time.GetTimestamp() + _settlingTicks;
    }

    /// <summary>
    /// Power-cycles the chip: PD_SCK high for 100 µs (beyond the 60 µs power-down limit), then low. The chip resets
    /// to A/128 and settles; the requested mode applies again from the frame after next.
    /// </summary>
    public void Reset()
    {
        PowerDown();
        long start = _time.GetTimestamp();
        long hold = ToTicks(TimeSpan.FromMicroseconds(100));
        while (_time.GetTimestamp() - start < hold)
        {
            // Busy-wait by reading DOUT: 100 µs is far below any sleep's resolution, and the read is harmless.
            _gpio.Read(_dout);
        }

        PowerUp();
    }

    /// <summary>Waits (with a deadline) for one conversion and reads it. Allocates nothing on the normal path.</summary>
    public Hx711Reading Read()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_poweredDown)
        {
            return new Hx711Reading(Hx711ReadStatus.PoweredDown, 0, _modeOfNextFrame, _time.GetTimestamp(), TimeSpan.Zero);
        }

        long now = _time.GetTimestamp();
        TimeSpan timeout = _options.ReadyTimeout ?? (2 * _options.ConversionPeriod) + RemainingSettling(now);
        if (!WaitForReady(now + ToTicks(timeout)))
        {
            Timeouts++;
            return new Hx711Reading(Hx711ReadStatus.NotResponding, 0, _modeOfNextFrame, _time.GetTimestamp(), TimeSpan.Zero);
        }

        Hx711Mode frameMode = _modeOfNextFrame;
        Hx711Mode nextMode = _requestedMode;
        int pulses = (int)nextMode;
        uint bits = 0;
        long longestHigh = 0;

        for (int i = 0; i < pulses; i++)
        {
            long high = Pulse();
            if (high > longestHigh)
            {
                longestHigh = high;
            }

            if (i < DataBits)
            {
                // DOUT is valid 0.1 µs after the rising edge (T2) and holds through the low phase.
                bits = (bits << 1) | (_gpio.Read(_dout) == PinValue.High ? 1u : 0u);
            }
        }

        // The 25th pulse pulls DOUT high and the chip holds it there until the next conversion is ready (datasheet
        // p.4). A line that reads low in either of two reads was not driven by an HX711 that took part in this frame.
        bool released = _gpio.Read(_dout) == PinValue.High && _gpio.Read(_dout) == PinValue.High;
        long timestamp = _time.GetTimestamp();
        TimeSpan longest = FromTicks(longestHigh);
        _modeOfNextFrame = nextMode;

        if (longestHigh >= _powerDownTicks)
        {
            // The chip may have powered down and reset to A/128: the next frame is from a fresh, unsettled conversion.
            _modeOfNextFrame = Hx711Mode.ChannelAGain128;
            _settledAfter = timestamp + _settlingTicks;
            _discardNext = true;
            FramesRejected++;
            return new Hx711Reading(Hx711ReadStatus.TimingViolation, 0, frameMode, timestamp, longest);
        }

        if (longestHigh >= _highPhaseLimitTicks)
        {
            // Past T3 max but short of power-down (a pre-empted thread, typically): the chip stayed up and in its
            // mode, so only this frame is doubtful. It is thrown away; the next conversion is read as usual.
            FramesRejected++;
            return new Hx711Reading(Hx711ReadStatus.TimingViolation, 0, frameMode, timestamp, longest);
        }

        int raw = (int)(bits << 8) >> 8;
        if (!released || bits == 0xFFFFFF)
        {
            _discardNext = true;
            FramesRejected++;
            return new Hx711Reading(Hx711ReadStatus.Garbled, raw, frameMode, timestamp, longest);
        }

        if (_discardNext || frameMode != _requestedMode || timestamp < _settledAfter)
        {
            _discardNext = false;
            FramesRejected++;
            return new Hx711Reading(Hx711ReadStatus.Settling, raw, frameMode, timestamp, longest);
        }

        if (bits is 0x7FFFFF or 0x800000)
        {
            FramesRejected++;
            return new Hx711Reading(Hx711ReadStatus.Saturated, raw, frameMode, timestamp, longest);
        }

        FramesAccepted++;
        return new Hx711Reading(Hx711ReadStatus.Ok, raw, frameMode, timestamp, longest);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _waitCts.Dispose();
        if (_shouldDispose)
        {
            _gpio.Dispose();
        }
        else
        {
            ClosePinQuietly(_sck);
            ClosePinQuietly(_dout);
        }
    }

    // Returns the high phase in timestamp ticks, measured from before the rising write to after the falling write,
    // so a pre-emption anywhere inside the pulse is counted. It over-states the true high time by the latency of
    // the two writes (about 1-3 µs on a memory-mapped Pi GPIO), so the check errs towards rejecting a good frame.
    private long Pulse()
    {
        long start = _time.GetTimestamp();
        _gpio.Write(_sck, PinValue.High);
        _gpio.Write(_sck, PinValue.Low);
        return _time.GetTimestamp() - start;
    }

    private bool WaitForReady(long deadline)
    {
        while (true)
        {
            // A ready chip holds DOUT low until the first clock; two low reads in a row rule out most of a floating line.
            if (_gpio.Read(_dout) == PinValue.Low && _gpio.Read(_dout) == PinValue.Low)
            {
                return true;
            }

            long remaining = deadline - _time.GetTimestamp();
            if (remaining <= 0)
            {
                return false;
            }

            // Wait for the falling edge in slices of one conversion period and re-read between them: an edge that fell
            // between the read above and the start of the wait is then noticed within one slice instead of being
            // reported as a dead chip. A healthy chip is ready within the first slice, so its source is reused.
            TimeSpan slice = FromTicks(remaining);
            if (slice > _waitSlice)
            {
                slice = _waitSlice;
            }

            if (!_waitCts.TryReset())
            {
                _waitCts.Dispose();
                _waitCts = NewWaitSource();
            }

            _waitCts.CancelAfter(slice);
            _gpio.WaitForEvent(_dout, PinEventTypes.Falling, _waitCts.Token);
        }
    }

    // Created with a long delay so that the timer belongs to our TimeProvider; CancelAfter then re-arms that timer.
    private CancellationTokenSource NewWaitSource() => new(TimeSpan.FromDays(1), _time);

    private TimeSpan RemainingSettling(long now) => now >= _settledAfter ? TimeSpan.Zero : FromTicks(_settledAfter - now);

    private long ToTicks(TimeSpan span) => (long)(span.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    private TimeSpan FromTicks(long ticks) => TimeSpan.FromTicks((long)(ticks * (TimeSpan.TicksPerSecond / (double)_time.TimestampFrequency)));

    private void ClosePinQuietly(int pin)
    {
        if (_gpio.IsPinOpen(pin))
        {
            _gpio.ClosePin(pin);
        }
    }
}

/// <summary>An HX711 could not be set up (pins missing, busy or not permitted).</summary>
public sealed class Hx711Exception : Exception
{
    /// <summary>Creates the exception with a message that names the pins.</summary>
    public Hx711Exception(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
