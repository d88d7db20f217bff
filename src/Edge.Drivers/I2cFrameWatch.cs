using System.Device.I2c;

namespace Edge.Drivers;

/// <summary>
/// The bus as a binding sees it: every transfer passes through, and the last buffer read is kept, so that a driver can
/// check the frame a binding read (its CRC) where the binding hides what it found.
/// </summary>
internal sealed class I2cFrameWatch(I2cDevice inner) : I2cDevice
{
    /// <summary>Where the chip is, taken from the device handed in (a multiplexer channel names itself).</summary>
    public string Where { get; } = I2cWhere.Of(inner);

    /// <summary>The last buffer a read filled; null after <see cref="Forget"/> until the next read.</summary>
    public byte[]? LastFrame { get; private set; }

    public override I2cConnectionSettings ConnectionSettings => inner.ConnectionSettings;

    /// <summary>Forgets the last frame, so that a reading that reads nothing is not checked against an old one.</summary>
    public void Forget() => LastFrame = null;

    public override byte ReadByte() => inner.ReadByte();

    public override void Read(Span<byte> buffer)
    {
        inner.Read(buffer);
        LastFrame = buffer.ToArray();
    }

    public override void WriteByte(byte value) => inner.WriteByte(value);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        inner.WriteRead(writeBuffer, readBuffer);
        LastFrame = readBuffer.ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
