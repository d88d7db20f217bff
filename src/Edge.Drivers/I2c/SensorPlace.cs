using System.Globalization;

namespace Edge.Drivers.I2c;

/// <summary>
/// Where an I2C sensor is wired: a Linux bus (<c>/dev/i2c-N</c>), optionally a TCA9548A multiplexer and its channel,
/// and the sensor's address. <see cref="Problems"/> names bad values by configuration key; <see cref="Clashes"/> finds
/// sensors that would answer together.
/// </summary>
/// <param name="Bus">The Linux I2C bus number (1 on a Raspberry Pi's header).</param>
/// <param name="MuxAddress">The TCA9548A's address (0x70 to 0x77), or null when the sensor is on the bus itself.</param>
/// <param name="MuxChannel">The multiplexer channel (0 to 7), set exactly when <paramref name="MuxAddress"/> is.</param>
/// <param name="Address">The sensor's 7-bit address (0x08 to 0x77).</param>
public sealed record SensorPlace(int Bus, int? MuxAddress, int? MuxChannel, int Address)
{
    /// <summary>The 7-bit addresses a device may take (0x00-0x07 and 0x78-0x7F are reserved by the I2C specification).</summary>
    public const int MinAddress = 0x08, MaxAddress = 0x77;

    /// <summary>The addresses a TCA9548A takes with its A0-A2 pins (datasheet, section 8.6.1).</summary>
    public const int MinMuxAddress = 0x70, MaxMuxAddress = 0x77;

    /// <summary>Channels on a TCA9548A.</summary>
    public const int MuxChannels = 8;

    /// <summary>
    /// What is wrong with this place, one message per bad value, each naming its key under <paramref name="key"/>
    /// (<c>Temperature:Cases:0</c> gives <c>Temperature:Cases:0:Address</c>); empty when the place is good.
    /// </summary>
    public IReadOnlyList<string> Problems(string key)
    {
        var problems = new List<string>();
        if (Bus < 0)
        {
            problems.Add(Say($"{key}:Bus is {Bus}: a Linux I2C bus number is 0 or more (/dev/i2c-N)"));
        }

        if (Address is < MinAddress or > MaxAddress)
        {
            problems.Add(Say($"{key}:Address is {Hex(Address)}: an I2C sensor address is {Hex(MinAddress)} to {Hex(MaxAddress)}"));
        }

        if (MuxAddress is { } mux && mux is < MinMuxAddress or > MaxMuxAddress)
        {
            problems.Add(Say($"{key}:MuxAddress is {Hex(mux)}: a TCA9548A answers at {Hex(MinMuxAddress)} to {Hex(MaxMuxAddress)}"));
        }

        if (MuxChannel is { } channel && channel is < 0 or >= MuxChannels)
        {
            problems.Add(Say($"{key}:MuxChannel is {channel}: a TCA9548A has channels 0 to {MuxChannels - 1}"));
        }

        if (MuxChannel is { } orphan && MuxAddress is null)
        {
            problems.Add(Say($"{key}:MuxChannel is {orphan} but {key}:MuxAddress is not set: a channel needs its multiplexer"));
        }

        if (MuxAddress is { } lonely && MuxChannel is null)
        {
            problems.Add(Say($"{key}:MuxAddress is {Hex(lonely)} but {key}:MuxChannel is not set: which of its channels is the sensor on?"));
        }

        if (MuxAddress == Address)
        {
            problems.Add(Say($"{key}:Address is {Hex(Address)}, the address of its own multiplexer"));
        }

        return problems;
    }

    /// <summary>
    /// Sensors that would answer together, one message per pair, naming both keys: two at the same place; one on the
    /// bus itself and one behind a multiplexer at the same address on that bus (the first answers whatever channel is
    /// selected); or a sensor at the address of a multiplexer on its bus. The same address behind different channels
    /// or different multiplexers is no clash: that is what a multiplexer is for.
    /// </summary>
    public static IReadOnlyList<string> Clashes(IReadOnlyList<KeyValuePair<string, SensorPlace>> places)
    {
        ArgumentNullException.ThrowIfNull(places);
        var clashes = new List<string>();
        for (int i = 0; i < places.Count; i++)
        {
            for (int j = 0; j < places.Count; j++)
            {
                (string ka, SensorPlace a) = (places[i].Key, places[i].Value);
                (string kb, SensorPlace b) = (places[j].Key, places[j].Value);
                if (i == j || a.Bus != b.Bus)
                {
                    continue;
                }

                if (i < j && a == b)
                {
                    clashes.Add($"{ka} and {kb} are both at {a}");
                }
                else if (a.Address == b.Address && a.MuxAddress is null && b.MuxAddress is not null)
                {
                    clashes.Add($"{ka} at {a} answers whichever multiplexer channel is selected, so {kb} at {b} reads together with it");
                }
                else if (b.MuxAddress == a.Address)
                {
                    clashes.Add($"{ka} at {a} takes the address of the multiplexer {kb} is behind");
                }
            }
        }

        return clashes.Distinct().ToList();
    }

    /// <summary>The place as messages name it: <c>I2C bus 1, mux 0x70 channel 2, address 0x44</c>.</summary>
    public override string ToString() => MuxAddress is { } mux
        ? Say($"I2C bus {Bus}, mux {Hex(mux)} channel {MuxChannel}, address {Hex(Address)}")
        : Say($"I2C bus {Bus}, address {Hex(Address)}");

    private static string Hex(int value) => value < 0 ? value.ToString(CultureInfo.InvariantCulture) : "0x" + value.ToString("x2", CultureInfo.InvariantCulture);

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
