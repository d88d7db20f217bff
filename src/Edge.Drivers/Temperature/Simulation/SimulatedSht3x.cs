using System.Buffers.Binary;
using System.Device.I2c;
using Edge.Drivers.Temperature;

namespace Edge.Drivers.Temperature.Simulation;

/// <summary>
/// An SHT3x at its I2C interface: 16-bit commands in, a 6-byte frame out (temperature word, CRC-8, humidity word,
/// CRC-8) after a single-shot measurement command, a NACK (an <see cref="IOException"/>, as the Linux driver reports
/// it) for an unknown command or a read with no measurement waiting, and faults a failing chip or wiring shows.
/// </summary>
public sealed class SimulatedSht3x(int bus = 1, int address = 0x44) : I2cDevice
{
    private byte[]? _pending;

    /// <summary>What the case is at (°C).</summary>
    public double Celsius { get; set; } = 4.0;

    public double Humidity { get; set; } = 60.0;

    /// <summary>No chip on the bus: every transfer is a NACK.</summary>
    public bool Absent { get; set; }

    /// <summary>The next frame's temperature CRC is wrong (a glitch on a long cable).</summary>
    public bool CorruptNextCrc { get; set; }

    /// <summary>The temperature word sent instead of the measured one (0xFFFF: a chip that reads its own limit).</summary>
    public ushort? RawTemperature { get; set; }

    /// <summary>The last commands received, oldest first (at most <see cref="KeptCommands"/>: the simulated store runs for days).</summary>
    public List<ushort> Commands { get; } = [];

    /// <summary>Commands kept in <see cref="Commands"/>.</summary>
    public const int KeptCommands = 64;

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Nack();
        if (buffer.Length != 2)
        {
            throw new IOException($"NACK: {buffer.Length}-byte write is no SHT3x command");
        }

        ushort command = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (Commands.Count == KeptCommands)
        {
            Commands.RemoveAt(0);
        }

        Commands.Add(command);
        switch (command)
        {
            case 0x30A2: // soft reset
                _pending = null;
                break;
            case 0x2C06 or 0x2C0D or 0x2C10 or 0x2400 or 0x240B or 0x2416: // single shot, with or without clock stretching
                _pending = Frame();
                break;
            case 0x306D or 0x3066: // heater on / off
                break;
            default:
                throw new IOException($"NACK: unknown command 0x{command:X4}");
        }
    }

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

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    public override byte ReadByte() => throw new IOException("NACK: the SHT3x is not read a byte at a time");

    public override void WriteByte(byte value) => throw new IOException("NACK: the SHT3x takes 16-bit commands");

    private void Nack()
    {
        if (Absent)
        {
            throw new IOException("Error 121 performing I2C data transfer (remote I/O error)");
        }
    }

    // Datasheet: T = -45 + 175 * St / 65535, RH = 100 * Srh / 65535.
    private byte[] Frame()
    {
        ushort t = RawTemperature ?? (ushort)Math.Round((Celsius + 45) * 65535 / 175);
        ushort rh = (ushort)Math.Round(Humidity * 65535 / 100);
        byte[] frame = SensirionFrame.Of(t, rh);
        if (CorruptNextCrc)
        {
            frame[2] ^= 0x5A;
            CorruptNextCrc = false;
        }

        return frame;
    }
}
