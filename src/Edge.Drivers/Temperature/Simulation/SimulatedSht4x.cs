using System.Device.I2c;

namespace Edge.Drivers.Temperature.Simulation;

/// <summary>
/// An SHT4x at its I2C interface: 8-bit commands in, a 6-byte frame out (temperature word, CRC-8, humidity word, CRC-8)
/// after a measurement or serial-number command, a NACK (an <see cref="IOException"/>, as the Linux driver reports it)
/// for an unknown command or a read with nothing waiting, and the faults a failing chip or its wiring shows.
/// </summary>
public sealed class SimulatedSht4x(int bus = 1, int address = 0x44) : I2cDevice
{
    private byte[]? _pending;

    /// <summary>What the case is at (°C).</summary>
    public double Celsius { get; set; } = 4.0;

    /// <summary>Relative humidity (%).</summary>
    public double Humidity { get; set; } = 60.0;

    /// <summary>The chip's 32-bit serial number, sent as two words with their CRCs.</summary>
    public uint SerialNumber { get; set; } = 0x0F1E2D3C;

    /// <summary>No chip on the bus: every transfer is a NACK.</summary>
    public bool Absent { get; set; }

    /// <summary>The next frame's temperature CRC is wrong (a glitch on a long cable).</summary>
    public bool CorruptNextTemperatureCrc { get; set; }

    /// <summary>The next frame's humidity CRC is wrong: the temperature word passes, the frame does not.</summary>
    public bool CorruptNextHumidityCrc { get; set; }

    /// <summary>The temperature word sent instead of the measured one (0xFFFF: a chip that reads its own limit).</summary>
    public ushort? RawTemperature { get; set; }

    /// <summary>Every command the chip received, in order.</summary>
    public List<byte> Commands { get; } = [];

    /// <inheritdoc />
    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    /// <inheritdoc />
    public override void WriteByte(byte value)
    {
        Nack();
        Commands.Add(value);
        _pending = value switch
        {
            0x94 => null, // soft reset
            0xFD or 0xF6 or 0xE0 => Measurement(), // high, medium, low repeatability
            0x89 => SensirionFrame.Of((ushort)(SerialNumber >> 16), (ushort)SerialNumber),
            0x39 or 0x32 or 0x2F or 0x24 or 0x1E or 0x15 => Measurement(), // heater pulse, then a high-repeatability measurement
            _ => throw new IOException($"NACK: unknown command 0x{value:X2}"),
        };
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length != 1)
        {
            Nack();
            throw new IOException($"NACK: {buffer.Length}-byte write is no SHT4x command");
        }

        WriteByte(buffer[0]);
    }

    /// <inheritdoc />
    public override void Read(Span<byte> buffer)
    {
        Nack();
        if (_pending is null)
        {
            throw new IOException("NACK: no measurement waiting");
        }

        _pending.AsSpan(0, Math.Min(buffer.Length, 6)).CopyTo(buffer);
        _pending = null;
    }

    /// <inheritdoc />
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <inheritdoc />
    public override byte ReadByte() => throw new IOException("NACK: the SHT4x is not read a byte at a time");

    private void Nack()
    {
        if (Absent)
        {
            throw new IOException("Error 121 performing I2C data transfer (remote I/O error)");
        }
    }

    // Datasheet: T = -45 + 175 * St / 65535, RH = -6 + 125 * Srh / 65535.
    private byte[] Measurement()
    {
        ushort t = RawTemperature ?? (ushort)Math.Round((Celsius + 45) * 65535 / 175);
        ushort rh = (ushort)Math.Clamp(Math.Round((Humidity + 6) * 65535 / 125), 0, 65535);
        byte[] frame = SensirionFrame.Of(t, rh);
        if (CorruptNextTemperatureCrc)
        {
            frame[2] ^= 0x5A;
            CorruptNextTemperatureCrc = false;
        }

        if (CorruptNextHumidityCrc)
        {
            frame[5] ^= 0xA5;
            CorruptNextHumidityCrc = false;
        }

        return frame;
    }
}
