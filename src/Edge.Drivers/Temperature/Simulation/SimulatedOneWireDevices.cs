using System.Globalization;
using System.Text;

namespace Edge.Drivers.Temperature.Simulation;

/// <summary>
/// A Linux 1-Wire device tree (<c>/sys/bus/w1/devices</c>) in a temporary directory: one directory per device, each
/// DS18B20's <c>w1_slave</c> written as the kernel's <c>w1_therm</c> driver writes it. Point
/// <see cref="Ds18b20Sensor"/> at <see cref="Root"/>; disposing deletes the tree.
/// </summary>
public sealed class SimulatedOneWireDevices : IDisposable
{
    /// <summary>Makes an empty tree (no device yet).</summary>
    public SimulatedOneWireDevices() => Root = Directory.CreateTempSubdirectory("w1-devices-").FullName;

    /// <summary>The tree's root, standing in for <see cref="Ds18b20Sensor.DefaultDevicesPath"/>.</summary>
    public string Root { get; }

    /// <summary>Plugs in a DS18B20 <paramref name="id"/> at <paramref name="celsius"/>.</summary>
    public SimulatedDs18b20 AddDs18b20(string id, double celsius = 4.0) => new(Path.Combine(Root, id)) { Celsius = celsius };

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// One DS18B20 as <c>w1_therm</c> shows it: its 9-byte scratchpad (temperature LSB and MSB in 1/16 °C, TH, TL,
/// configuration 0x7F for 12 bits, three reserved bytes, Maxim's CRC-8), the CRC the kernel computes over the bytes it
/// received with its verdict, and the temperature in millidegrees. Each change rewrites the file.
/// </summary>
public sealed class SimulatedDs18b20
{
    private readonly string _directory;
    private double _celsius;
    private Fault _fault;

    internal SimulatedDs18b20(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    /// <summary>What the chip can go wrong with, as the file then shows it.</summary>
    public enum Fault
    {
        /// <summary>A good reading.</summary>
        None,

        /// <summary>A bit of the temperature flipped on the wire: a plausible <c>t=</c> and <c>crc=.. NO</c>.</summary>
        FlippedBit,

        /// <summary>The power-up register value, 85 °C (0x0550), with a good CRC: no conversion since power-up.</summary>
        PowerOn,

        /// <summary>The data line held low: nine zero bytes, whose CRC is zero, so the kernel says YES and t=0.</summary>
        AllZeros,

        /// <summary>The file ends in the middle of its first line.</summary>
        Truncated,
    }

    /// <summary>The file's path.</summary>
    public string W1Slave => Path.Combine(_directory, "w1_slave");

    /// <summary>What the chip measures (°C), rounded to its 1/16 °C steps.</summary>
    public double Celsius
    {
        get => _celsius;
        set
        {
            _celsius = value;
            Write();
        }
    }

    /// <summary>What goes wrong with the next and every later reading until set back to <see cref="Fault.None"/>.</summary>
    public Fault Failing
    {
        get => _fault;
        set
        {
            _fault = value;
            Write();
        }
    }

    /// <summary>Unplugs the chip: the kernel removes its directory.</summary>
    public void Unplug() => Directory.Delete(_directory, recursive: true);

    /// <summary>Maxim's 1-Wire CRC-8 (x^8 + x^5 + x^4 + 1, bit-reflected, initial value 0).</summary>
    public static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (byte)((crc >> 1) ^ 0x8C) : (byte)(crc >> 1);
            }
        }

        return crc;
    }

    private void Write()
    {
        short raw = _fault == Fault.PowerOn ? (short)0x0550 : (short)Math.Round(_celsius * 16);
        byte[] scratchpad = [(byte)raw, (byte)(raw >> 8), 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0];
        scratchpad[8] = Crc8(scratchpad.AsSpan(0, 8));
        if (_fault == Fault.AllZeros)
        {
            Array.Clear(scratchpad);
        }

        if (_fault == Fault.FlippedBit)
        {
            scratchpad[0] ^= 0x10; // one degree off, caught by the CRC
        }

        // The kernel's text: the bytes it received, the CRC it computed over the first eight and whether it matches
        // the ninth; then the temperature of the bytes it received.
        byte crc = Crc8(scratchpad.AsSpan(0, 8));
        string bytes = string.Concat(scratchpad.Select(b => b.ToString("x2", CultureInfo.InvariantCulture) + " "));
        int milli = (short)(scratchpad[0] | (scratchpad[1] << 8)) * 1000 / 16;
        string text = string.Create(CultureInfo.InvariantCulture, $"{bytes}: crc={crc:x2} {(crc == scratchpad[8] ? "YES" : "NO")}\n{bytes}t={milli}\n");
        File.WriteAllText(W1Slave, _fault == Fault.Truncated ? text[..20] : text, Encoding.ASCII);
    }
}
