using System.Device.Gpio;

namespace Edge.Drivers.Scales.Hx711.Simulation;

/// <summary>
/// A GPIO chip with simulated HX711s wired to some of its lines. Put it under a <see cref="GpioController"/> and
/// the real <see cref="Hx711"/> driver runs against it unchanged.
/// </summary>
/// <remarks>
/// Two notions of time: with <c>advanceTime</c> (tests, a FakeTimeProvider) every pin operation costs
/// <c>operationCost</c> of simulated time and waits advance the clock, so runs are deterministic on a loaded
/// machine; without it (the simulated store) the chips follow the real clock and waits really block.
/// </remarks>
public sealed class SimulatedGpioBoard : GpioDriver
{
    private static readonly TimeSpan WaitStep = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time;
    private readonly Action<TimeSpan>? _advance;
    private readonly TimeSpan _operationCost;
    private readonly Dictionary<int, SimulatedHx711> _douts = [];
    private readonly Dictionary<int, SimulatedHx711> _clocks = [];
    private readonly Dictionary<int, PinMode> _open = [];
    private readonly int _pinCount;

    /// <summary>Creates a board.</summary>
    /// <param name="time">Clock the chips run on.</param>
    /// <param name="advanceTime">Moves a fake clock forward; null when <paramref name="time"/> is real.</param>
    /// <param name="operationCost">Simulated duration of one pin read or write (default 1 µs, about a memory-mapped Pi GPIO write).</param>
    /// <param name="pinCount">Number of lines; opening a higher one fails as on real hardware.</param>
    public SimulatedGpioBoard(TimeProvider? time = null, Action<TimeSpan>? advanceTime = null, TimeSpan? operationCost = null, int pinCount = 54)
    {
        _time = time ?? TimeProvider.System;
        _advance = advanceTime;
        _operationCost = operationCost ?? TimeSpan.FromMicroseconds(1);
        _pinCount = pinCount;
    }

    /// <summary>Called after every write, with the pin and value: tests use it to stall the "thread" mid-pulse.</summary>
    public Action<int, PinValue>? AfterWrite { get; set; }

    /// <summary>Wires a chip's DOUT and PD_SCK to two lines of this board.</summary>
    public void Attach(SimulatedHx711 chip, int doutPin, int sckPin)
    {
        ArgumentNullException.ThrowIfNull(chip);
        CheckPin(doutPin);
        CheckPin(sckPin);
        if (_douts.ContainsKey(doutPin) || _clocks.ContainsKey(doutPin) || _douts.ContainsKey(sckPin) || _clocks.ContainsKey(sckPin))
        {
            throw new ArgumentException($"Pin {doutPin} or {sckPin} is already wired.");
        }

        chip.Attach(_time);
        _douts[doutPin] = chip;
        _clocks[sckPin] = chip;
    }

    /// <summary>Moves simulated time forward (fake-clock boards only).</summary>
    public void Advance(TimeSpan span)
    {
        if (_advance is null)
        {
            throw new InvalidOperationException("This board runs on the real clock.");
        }

        _advance(span);
    }

    /// <inheritdoc />
    protected override int PinCount => _pinCount;

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber)
    {
        CheckPin(pinNumber);
        _open[pinNumber] = PinMode.Input;
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber) => _open.Remove(pinNumber);

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        CheckPin(pinNumber);
        _open[pinNumber] = mode;
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber) => _open.TryGetValue(pinNumber, out PinMode mode) ? mode : PinMode.Input;

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => mode is PinMode.Input or PinMode.Output or PinMode.InputPullUp;

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        Spend();
        // An unwired line reads high, as a pulled-up input with nothing attached would.
        return _douts.TryGetValue(pinNumber, out SimulatedHx711? chip) ? chip.ReadDout() : PinValue.High;
    }

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        Spend();
        if (_clocks.TryGetValue(pinNumber, out SimulatedHx711? chip))
        {
            chip.WriteSck(value);
        }

        AfterWrite?.Invoke(pinNumber, value);
    }

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        if (!_douts.TryGetValue(pinNumber, out SimulatedHx711? chip) || (eventTypes & PinEventTypes.Falling) == 0)
        {
            throw new NotSupportedException($"The simulated board only reports falling edges on HX711 DOUT lines (pin {pinNumber}).");
        }

        return _advance is null ? WaitReal(chip, cancellationToken) : WaitSimulated(chip, cancellationToken);
    }

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
        => throw new NotSupportedException("The simulated board has no pin-change callbacks; use WaitForEvent.");

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
        => throw new NotSupportedException("The simulated board has no pin-change callbacks; use WaitForEvent.");

    private WaitForEventResult WaitSimulated(SimulatedHx711 chip, CancellationToken token)
    {
        long started = _time.GetTimestamp();
        while (!token.IsCancellationRequested && _time.GetElapsedTime(started) < LongestWait)
        {
            long? readyAt = chip.NextReadyAt();
            long now = _time.GetTimestamp();
            if (readyAt is { } at && at <= now)
            {
                return new WaitForEventResult { EventTypes = PinEventTypes.Falling, TimedOut = false };
            }

            TimeSpan step = WaitStep;
            if (readyAt is { } next)
            {
                TimeSpan until = _time.GetElapsedTime(now, next);
                if (until < step)
                {
                    step = until;
                }
            }

            _advance!(step);
        }

        return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
    }

    private WaitForEventResult WaitReal(SimulatedHx711 chip, CancellationToken token)
    {
        long? readyAt = chip.NextReadyAt();
        long now = _time.GetTimestamp();
        TimeSpan wait = readyAt is { } at ? _time.GetElapsedTime(now, Math.Max(at, now)) : LongestWait;
        if (wait > TimeSpan.Zero && token.WaitHandle.WaitOne(wait))
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }

        return readyAt is null
            ? new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true }
            : new WaitForEventResult { EventTypes = PinEventTypes.Falling, TimedOut = false };
    }

    private void Spend()
    {
        if (_advance is not null && _operationCost > TimeSpan.Zero)
        {
            _advance(_operationCost);
        }
    }

    private void CheckPin(int pinNumber)
    {
        if (pinNumber < 0 || pinNumber >= _pinCount)
        {
            throw new ArgumentException($"GPIO {pinNumber} does not exist on this board (lines 0-{_pinCount - 1}).", nameof(pinNumber));
        }
    }
}
