using System.Device.Gpio;

namespace Edge.Drivers.Scales.Hx711.Simulation;

/// <summary>Faults a simulated chip can be given.</summary>
public enum SimulatedHx711Fault
{
    /// <summary>Works as the datasheet says.</summary>
    None,

    /// <summary>Not there: DOUT is pulled up and never goes low.</summary>
    Disconnected,

    /// <summary>DOUT floats: every read of it returns noise.</summary>
    FloatingDout,
}

/// <summary>
/// Pin-level model of one HX711: conversions complete on the data-rate clock, DOUT falls when data is ready,
/// each PD_SCK rising edge shifts out one bit MSB first, the pulse count after the 24 data bits selects the
/// next conversion's channel and gain, a high phase above 60 µs powers the chip down, and the output clamps
/// to the saturation codes. Attach it to a <see cref="SimulatedGpioBoard"/>.
/// </summary>
public sealed class SimulatedHx711
{
    /// <summary>The datasheet's power-down threshold for PD_SCK held high.</summary>
    public static readonly TimeSpan PowerDownAfter = TimeSpan.FromMicroseconds(60);

    private readonly Func<Hx711Mode, double> _inputMillivolts;
    private readonly Random _noise;
    private TimeProvider _time = TimeProvider.System;

    private long _nextConversionAt;
    private bool _dataReady;
    private int _shiftRegister;
    private int _pulses;
    private bool _sckHigh;
    private long _sckRoseAt;
    private bool _poweredDown;
    private bool _commError;
    private Hx711Mode _mode = Hx711Mode.ChannelAGain128;

    /// <summary>Creates a chip whose analog input is read at each conversion.</summary>
    /// <param name="inputMillivolts">Differential input in millivolts for the given channel (A for both A modes).</param>
    /// <param name="dataRate">The RATE strap.</param>
    /// <param name="seed">Seed for the chip's own input noise and a floating DOUT.</param>
    public SimulatedHx711(Func<Hx711Mode, double> inputMillivolts, Hx711DataRate dataRate = Hx711DataRate.Sps10, int seed = 1)
    {
        _inputMillivolts = inputMillivolts;
        DataRate = dataRate;
        _noise = new Random(seed);
    }

    /// <summary>The RATE strap.</summary>
    public Hx711DataRate DataRate { get; }

    /// <summary>Fault to model from now on.</summary>
    public SimulatedHx711Fault Fault { get; set; }

    /// <summary>RMS input-referred noise in nanovolts (datasheet: 50 nV at 10 SPS, 90 nV at 80 SPS).</summary>
    public double InputNoiseNanovolts { get; set; } = double.NaN;

    /// <summary>True while PD_SCK has been held high past the power-down limit.</summary>
    public bool IsPoweredDown
    {
        get
        {
            Update();
            return _poweredDown;
        }
    }

    /// <summary>Number of times the chip entered power-down.</summary>
    public int PowerDowns { get; private set; }

    /// <summary>Mode of the conversion in progress (set by the pulse count of the previous frame).</summary>
    public Hx711Mode CurrentMode => _mode;

    /// <summary>Full-scale differential input for a mode at AVDD 5 V (datasheet p.1).</summary>
    public static double FullScaleMillivolts(Hx711Mode mode) => mode switch
    {
        Hx711Mode.ChannelAGain128 => 20.0,
        Hx711Mode.ChannelAGain64 => 40.0,
        Hx711Mode.ChannelBGain32 => 80.0,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>The output code the chip produces for an input, with the datasheet's clamping.</summary>
    public static int CodeFor(double millivolts, Hx711Mode mode)
    {
        double code = Math.Round(millivolts / FullScaleMillivolts(mode) * 8_388_608.0);
        return (int)Math.Clamp(code, -8_388_608.0, 8_388_607.0);
    }

    internal TimeSpan ConversionPeriod => TimeSpan.FromSeconds(1.0 / (int)DataRate);

    internal TimeSpan SettlingTime => DataRate == Hx711DataRate.Sps10 ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromMilliseconds(50);

    internal void Attach(TimeProvider time)
    {
        _time = time;
        _nextConversionAt = time.GetTimestamp() + Ticks(SettlingTime);
    }

    /// <summary>When DOUT will next fall, as a timestamp, or null if it never will in the current state.</summary>
    internal long? NextReadyAt()
    {
        Update();
        if (Fault == SimulatedHx711Fault.Disconnected || _poweredDown || _commError || _sckHigh)
        {
            return null;
        }

        return _dataReady ? _time.GetTimestamp() : _nextConversionAt;
    }

    internal PinValue ReadDout()
    {
        switch (Fault)
        {
            case SimulatedHx711Fault.Disconnected:
                return PinValue.High;
            case SimulatedHx711Fault.FloatingDout:
                return _noise.Next(2) == 0 ? PinValue.Low : PinValue.High;
        }

        Update();
        if (_poweredDown || _commError)
        {
            return PinValue.High;
        }

        if (_pulses is > 0 and <= 24)
        {
            // Shifting: the bit presented on the latest rising edge.
            return ((_shiftRegister >> (24 - _pulses)) & 1) == 1 ? PinValue.High : PinValue.Low;
        }

        if (_pulses > 24)
        {
            return PinValue.High;
        }

        return _dataReady ? PinValue.Low : PinValue.High;
    }

    internal void WriteSck(PinValue value)
    {
        long now = _time.GetTimestamp();
        Update();
        bool high = value == PinValue.High;
        if (high == _sckHigh)
        {
            return;
        }

        _sckHigh = high;
        if (high)
        {
            _sckRoseAt = now;
            if (_poweredDown || _commError || Fault == SimulatedHx711Fault.Disconnected)
            {
                return;
            }

            if (_pulses == 0 && !_dataReady)
            {
                // Clocking before DOUT fell reads nothing meaningful; the chip ignores it.
                return;
            }

            _pulses++;
            if (_pulses == 25)
            {
                // The 25th pulse pulls DOUT high; the data has been read out.
                _dataReady = false;
            }

            if (_pulses > 27)
            {
                // Datasheet: more than 27 pulses is a serial communication error that only a reset clears.
                _commError = true;
            }

            return;
        }

        if (now - _sckRoseAt > Ticks(PowerDownAfter) || _poweredDown)
        {
            // Coming back from power-down: reset to A/128 and settle before the first conversion.
            if (!_poweredDown)
            {
                PowerDowns++;
            }

            _poweredDown = false;
            _commError = false;
            _pulses = 0;
            _dataReady = false;
            _mode = Hx711Mode.ChannelAGain128;
            _nextConversionAt = now + Ticks(SettlingTime);
        }
    }

    // Brings the model up to the present: power-down on a long high phase, frame completion and new conversions.
    private void Update()
    {
        long now = _time.GetTimestamp();
        if (_sckHigh && !_poweredDown && now - _sckRoseAt > Ticks(PowerDownAfter))
        {
            _poweredDown = true;
            PowerDowns++;
            _pulses = 0;
            _dataReady = false;
        }

        if (_poweredDown || _commError)
        {
            return;
        }

        if (_pulses >= 25 && !_sckHigh && now >= _nextConversionAt)
        {
            // The frame is over once the next conversion starts: its pulse count picks that conversion's input and gain.
            _mode = (Hx711Mode)_pulses;
            _pulses = 0;
            _dataReady = false;
        }

        if (_pulses == 0 && now >= _nextConversionAt)
        {
            long period = Ticks(ConversionPeriod);
            long missed = (now - _nextConversionAt) / period;
            _nextConversionAt += (missed + 1) * period;
            _shiftRegister = CodeFor(SampleInput(), _mode) & 0xFFFFFF;
            _dataReady = true;
        }
    }

    private double SampleInput()
    {
        double mv = _inputMillivolts(_mode);
        double noiseNv = double.IsNaN(InputNoiseNanovolts) ? (DataRate == Hx711DataRate.Sps10 ? 50 : 90) : InputNoiseNanovolts;
        if (noiseNv > 0)
        {
            mv += Gaussian() * noiseNv * 1e-6;
        }

        return mv;
    }

    private double Gaussian()
    {
        double u1 = 1.0 - _noise.NextDouble();
        double u2 = _noise.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private long Ticks(TimeSpan span) => (long)(span.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
}
