using System.Device.I2c;

namespace Edge.Gateway.Tests;

/// <summary>A simulated chip handed to a driver that disposes what it is given, so the chip outlives each driver (a restart, a second reader).</summary>
internal sealed class UnownedI2cDevice(I2cDevice chip) : I2cDevice
{
    public override I2cConnectionSettings ConnectionSettings => chip.ConnectionSettings;

    public override byte ReadByte() => chip.ReadByte();

    public override void Read(Span<byte> buffer) => chip.Read(buffer);

    public override void WriteByte(byte value) => chip.WriteByte(value);

    public override void Write(ReadOnlySpan<byte> buffer) => chip.Write(buffer);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => chip.WriteRead(writeBuffer, readBuffer);
}
