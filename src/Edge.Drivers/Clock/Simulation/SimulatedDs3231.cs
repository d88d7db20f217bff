using System.Device.I2c;

namespace Edge.Drivers.Clock.Simulation;

/// <summary>
/// A DS3231 at its I2C interface: 19 registers (0x00-0x12) behind an address pointer that a one-byte write sets and
/// every byte read or written moves on, wrapping after 0x12; the time registers in BCD, counting on an injected clock
/// while the oscillator runs; the status register's oscillator-stop flag (bit 7), set at first power-up and by a power
/// cut with a flat battery, cleared only by writing it.
/// </summary>
public sealed class SimulatedDs3231(TimeProvider time, int bus = 1) : I2cDevice
{
    private const int Registers = 0x13;
    private readonly byte[] _reg = NewRegisters();
    private byte _pointer;
    private long _countedAt = time.GetTimestamp();
    private bool _running = true;

    public bool Absent { get; set; }

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, 0x68);

    public byte this[int register]
    {
        get => _reg[register];
        set => _reg[register] = value;
    }

    /// <summary>Power lost with no battery: the oscillator stops and the flag is set; the registers freeze.</summary>
    public void LoseBattery()
    {
        Count();
        _running = false;
        _reg[0x0F] |= 0x80;
    }

    /// <summary>Power back: the oscillator runs again from the frozen time.</summary>
    public void PowerOn()
    {
        _countedAt = time.GetTimestamp();
        _running = true;
    }

    public override void WriteByte(byte value)
    {
        Nack();
        _pointer = (byte)(value % Registers);
    }

    /// <summary>Writes that set registers (not just the address pointer): how often the clock was set.</summary>
    public int Writes { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Nack();
        Count();
        if (buffer.Length > 1)
        {
            Writes++;
        }

        _pointer = (byte)(buffer[0] % Registers);
        if (_pointer == 0 && buffer.Length > 1)
        {
            // Writing the seconds register restarts the chip's divider chain: counting starts afresh.
            _countedAt = time.GetTimestamp();
        }

        foreach (byte b in buffer[1..])
        {
            _reg[_pointer] = b;
            _pointer = (byte)((_pointer + 1) % Registers);
        }
    }

    public override void Read(Span<byte> buffer)
    {
        Nack();
        Count();
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = _reg[_pointer];
            _pointer = (byte)((_pointer + 1) % Registers);
        }
    }

    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

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

    // Moves the time registers on by the whole seconds elapsed, as the chip's counter chain does.
    private void Count()
    {
        if (!_running)
        {
            return;
        }

        long seconds = (long)time.GetElapsedTime(_countedAt).TotalSeconds;
        if (seconds <= 0 || Decode() is not { } now)
        {
            return;
        }

        _countedAt += (long)(seconds * (double)time.TimestampFrequency);
        Encode(now.AddSeconds(seconds));
    }

    private DateTime? Decode()
    {
        try
        {
            return new DateTime(2000 + Bcd(_reg[6]) - ((_reg[5] & 0x80) == 0 ? 100 : 0), Bcd((byte)(_reg[5] & 0x1F)), Bcd(_reg[4]), Bcd((byte)(_reg[2] & 0x3F)), Bcd(_reg[1]), Bcd(_reg[0]));
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private void Encode(DateTime t)
    {
        _reg[0] = ToBcd(t.Second);
        _reg[1] = ToBcd(t.Minute);
        _reg[2] = ToBcd(t.Hour);
        _reg[3] = ToBcd((int)t.DayOfWeek + 1);
        _reg[4] = ToBcd(t.Day);
        _reg[5] = (byte)(ToBcd(t.Month) | (t.Year >= 2000 ? 0x80 : 0));
        _reg[6] = ToBcd(t.Year % 100);
    }

    private static int Bcd(byte b) => ((b >> 4) * 10) + (b & 0x0F) is var v && (b & 0x0F) <= 9 ? v : throw new ArgumentOutOfRangeException(nameof(b));

    private static byte ToBcd(int v) => (byte)(((v / 10) << 4) | (v % 10));

    // Power-up state per the datasheet: 01/01/00 00:00:00, oscillator-stop flag set.
    private static byte[] NewRegisters()
    {
        var reg = new byte[Registers];
        reg[3] = 0x01;
        reg[4] = 0x01;
        reg[5] = 0x01;
        reg[0x0E] = 0x1C;
        reg[0x0F] = 0x88;
        return reg;
    }
}
