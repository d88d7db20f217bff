namespace Edge.Drivers.Scales.Hx711;

/// <summary>How an <see cref="Hx711"/> is strapped and how strictly it is read.</summary>
public sealed class Hx711Options
{
    /// <summary>Channel and gain to request for each conversion.</summary>
    public Hx711Mode Mode { get; set; } = Hx711Mode.ChannelAGain128;

    /// <summary>Data rate the board's RATE pin selects.</summary>
    public Hx711DataRate DataRate { get; set; } = Hx711DataRate.Sps10;

    /// <summary>
    /// A PD_SCK high phase at or above this rejects the frame. The datasheet's T3 maximum is 50 µs and the chip
    /// powers down above 60 µs (p.5); rejecting at T3 max leaves margin for measurement error.
    /// </summary>
    public TimeSpan HighPhaseLimit { get; set; } = TimeSpan.FromMicroseconds(50);

    /// <summary>
    /// How long to wait for DOUT to go low before reporting <see cref="Hx711ReadStatus.NotResponding"/>.
    /// Null means two conversion periods, plus the settling time while the chip is settling.
    /// </summary>
    public TimeSpan? ReadyTimeout { get; set; }

    /// <summary>Conversion period for <see cref="DataRate"/>.</summary>
    public TimeSpan ConversionPeriod => TimeSpan.FromSeconds(1.0 / (int)DataRate);

    /// <summary>
    /// Output settling time after power-up or reset: 400 ms at 10 SPS, 50 ms at 80 SPS (datasheet p.3, as
    /// encoded by endail/hx711). SparkFun quotes 100 ms at 80 SPS; the datasheet value is used.
    /// </summary>
    public TimeSpan SettlingTime => DataRate == Hx711DataRate.Sps10 ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromMilliseconds(50);

    internal void Validate()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown HX711 mode.");
        }

        if (!Enum.IsDefined(DataRate))
        {
            throw new ArgumentOutOfRangeException(nameof(DataRate), DataRate, "HX711 data rate must be 10 or 80 SPS.");
        }

        if (HighPhaseLimit <= TimeSpan.Zero || HighPhaseLimit > TimeSpan.FromMicroseconds(60))
        {
            throw new ArgumentOutOfRangeException(nameof(HighPhaseLimit), HighPhaseLimit, "Must be above 0 and at most the 60 µs power-down limit.");
        }

        if (ReadyTimeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadyTimeout), t, "Must be positive.");
        }
    }
}
