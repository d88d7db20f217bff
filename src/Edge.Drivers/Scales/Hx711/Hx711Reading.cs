namespace Edge.Drivers.Scales.Hx711;

/// <summary>What one read attempt produced. Only <see cref="Hx711ReadStatus.Ok"/> carries a weight.</summary>
public enum Hx711ReadStatus
{
    /// <summary>A valid 24-bit code.</summary>
    Ok,

    /// <summary>The code is a saturation code (0x7FFFFF or 0x800000): the input is out of range, not a weight.</summary>
    Saturated,

    /// <summary>DOUT never went low before the deadline: chip missing, unpowered or DOUT stuck high.</summary>
    NotResponding,

    /// <summary>
    /// A PD_SCK high phase passed T3 max (<see cref="Hx711Options.HighPhaseLimit"/>): the frame is discarded. From
    /// <see cref="Hx711.PowerDownHighPhase"/> the chip may have powered down mid-frame, and the driver also lets it settle.
    /// </summary>
    TimingViolation,

    /// <summary>The frame is not a frame: DOUT was not released high after the last pulse (floating or shorted line) or read all ones.</summary>
    Garbled,

    /// <summary>A frame was read but thrown away because the chip is settling (power-up, mode change, or after a rejected frame).</summary>
    Settling,

    /// <summary>The driver has powered the chip down; call <see cref="Hx711.PowerUp"/>.</summary>
    PoweredDown,
}

/// <summary>One read attempt. A value type so that the reader allocates nothing per sample.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Raw">The signed 24-bit code (meaningful for <see cref="Hx711ReadStatus.Ok"/> and <see cref="Hx711ReadStatus.Saturated"/>).</param>
/// <param name="Mode">The channel and gain the returned frame was converted with.</param>
/// <param name="Timestamp">When the frame was read, in the driver's <see cref="TimeProvider"/> timestamp units.</param>
/// <param name="LongestHighPhase">The longest PD_SCK high phase measured in this frame.</param>
public readonly record struct Hx711Reading(Hx711ReadStatus Status, int Raw, Hx711Mode Mode, long Timestamp, TimeSpan LongestHighPhase)
{
    /// <summary>True when <see cref="Raw"/> is a usable measurement.</summary>
    public bool IsValid => Status == Hx711ReadStatus.Ok;
}
