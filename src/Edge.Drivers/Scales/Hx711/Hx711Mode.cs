namespace Edge.Drivers.Scales.Hx711;

/// <summary>Input channel and gain; the value is the number of PD_SCK pulses per frame that selects it (datasheet p.4).</summary>
public enum Hx711Mode
{
    /// <summary>Channel A, gain 128 (±20 mV full scale at AVDD 5 V): 25 pulses. The chip's reset default.</summary>
    ChannelAGain128 = 25,

    /// <summary>Channel B, gain 32 (±80 mV full scale): 26 pulses.</summary>
    ChannelBGain32 = 26,

    /// <summary>Channel A, gain 64 (±40 mV full scale): 27 pulses.</summary>
    ChannelAGain64 = 27,
}

/// <summary>Output data rate, strapped on the board by the RATE pin; the driver cannot change it but must know it.</summary>
public enum Hx711DataRate
{
    /// <summary>RATE = 0: 10 samples per second, 50 nV input noise, 400 ms settling.</summary>
    Sps10 = 10,

    /// <summary>RATE = 1: 80 samples per second, 90 nV input noise, 50 ms settling.</summary>
    Sps80 = 80,
}
