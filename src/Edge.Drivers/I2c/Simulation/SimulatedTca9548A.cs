using System.Device.I2c;

namespace Edge.Drivers.I2c.Simulation;

/// <summary>
/// A TCA9548A at its I2C interface: one control register, written and read as a single byte, whose bit n connects
/// channel n to the main bus (datasheet, section 8.6.2; several bits connect several channels; power-on value 0).
/// Chips behind a channel are reachable on a <see cref="SimulatedI2cBus"/> only while their channel's bit is set.
/// </summary>
public sealed class SimulatedTca9548A(int bus = 1, int address = 0x70) : I2cDevice
{
    private readonly Dictionary<int, I2cDevice>[] _channels = [.. Enumerable.Range(0, 8).Select(_ => new Dictionary<int, I2cDevice>())];

    /// <summary>The control register: bit n set connects channel n.</summary>
    public byte Control { get; set; }

    /// <summary>No multiplexer (unplugged, unpowered): every transfer is a NACK and no channel is connected.</summary>
    public bool Absent { get; set; }

    /// <summary>Every value written to the control register, in order.</summary>
    public List<byte> Writes { get; } = [];

    /// <inheritdoc />
    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    /// <summary>Wires <paramref name="chip"/> to <paramref name="channel"/>, at the address its settings name.</summary>
    public SimulatedTca9548A Attach(int channel, I2cDevice chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        _channels[channel].Add(chip.ConnectionSettings.DeviceAddress, chip);
        return this;
    }

    /// <summary>The chips at <paramref name="deviceAddress"/> that the connected channels put on the main bus.</summary>
    internal IEnumerable<I2cDevice> Downstream(int deviceAddress) => Absent
        ? []
        : Enumerable.Range(0, 8)
            .Where(channel => (Control & (1 << channel)) != 0 && _channels[channel].ContainsKey(deviceAddress))
            .Select(channel => _channels[channel][deviceAddress]);

    /// <inheritdoc />
    public override void WriteByte(byte value)
    {
        Nack();
        Control = value;
        Writes.Add(value);
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Each byte written lands in the control register; the last one stays.
        foreach (byte value in buffer)
        {
            WriteByte(value);
        }
    }

    /// <inheritdoc />
    public override byte ReadByte()
    {
        Nack();
        return Control;
    }

    /// <inheritdoc />
    public override void Read(Span<byte> buffer)
    {
        Nack();
        buffer.Fill(Control);
    }

    /// <inheritdoc />
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    private void Nack()
    {
        if (Absent)
        {
            throw new IOException("Error 121 performing I2C data transfer (remote I/O error)");
        }
    }
}
