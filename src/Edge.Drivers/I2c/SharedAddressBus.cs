using System.Device.I2c;

namespace Edge.Drivers.I2c;

/// <summary>
/// The main bus as the <c>Iot.Device.Tca954x</c> binding sees it. The binding opens the main bus's device for an
/// address once per multiplexer, and Linux's bus (like the simulated one) refuses an address opened twice, so two
/// multiplexers could not each have a sensor at 0x44; and it counts the users of that device wrongly (the count is
/// raised on a copy), disposing it when the first of two channels' sensors is disposed. Here each address is opened
/// once, handed out as often as asked, and closed with the bus.
/// </summary>
internal sealed class SharedAddressBus(I2cBus bus) : I2cBus
{
    private readonly Dictionary<int, I2cDevice> _open = [];

    public override I2cDevice CreateDevice(int deviceAddress)
    {
        if (!_open.TryGetValue(deviceAddress, out I2cDevice? device))
        {
            _open[deviceAddress] = device = bus.CreateDevice(deviceAddress);
        }

        return new Handle(device);
    }

    public override void RemoveDevice(int deviceAddress)
    {
        // Kept open until the bus closes: another channel or multiplexer may use the address.
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (I2cDevice device in _open.Values)
            {
                device.Dispose();
            }

            _open.Clear();
        }

        base.Dispose(disposing);
    }

    // The shared device, which the binding may dispose without closing it for the others.
    private sealed class Handle(I2cDevice device) : I2cDevice
    {
        public override I2cConnectionSettings ConnectionSettings => device.ConnectionSettings;

        public override byte ReadByte() => device.ReadByte();

        public override void Read(Span<byte> buffer) => device.Read(buffer);

        public override void WriteByte(byte value) => device.WriteByte(value);

        public override void Write(ReadOnlySpan<byte> buffer) => device.Write(buffer);

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => device.WriteRead(writeBuffer, readBuffer);
    }
}
