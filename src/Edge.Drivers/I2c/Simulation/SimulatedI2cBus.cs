using System.Device.I2c;

namespace Edge.Drivers.I2c.Simulation;

/// <summary>
/// One I2C bus with simulated chips on it, directly or behind <see cref="SimulatedTca9548A"/> channels. A device it
/// opens reaches whatever answers at its address at the moment of each transfer: nothing is a NACK (an
/// <see cref="IOException"/>, as Linux reports it); several chips at once receive every write and drive a read together,
/// open-drain, so the bytes read are their bitwise AND (as two sensors on one wire garble each other's frames). Like
/// Linux's bus it refuses an address opened twice, and a closed device transfers nothing.
/// </summary>
public sealed class SimulatedI2cBus(int busId = 1) : I2cBus
{
    private readonly List<I2cDevice> _chips = [];
    private readonly HashSet<int> _open = [];

    /// <summary>The bus number devices report.</summary>
    public int BusId => busId;

    /// <summary>Wires <paramref name="chip"/> (a simulated chip or multiplexer) to the bus, at the address its settings name.</summary>
    public SimulatedI2cBus Attach(I2cDevice chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        _chips.Add(chip);
        return this;
    }

    /// <inheritdoc />
    public override I2cDevice CreateDevice(int deviceAddress)
    {
        if (!_open.Add(deviceAddress))
        {
            throw new ArgumentException($"Device with address 0x{deviceAddress:X2} is already open.", nameof(deviceAddress));
        }

        return new Endpoint(this, deviceAddress);
    }

    /// <inheritdoc />
    public override void RemoveDevice(int deviceAddress) => _open.Remove(deviceAddress);

    private List<I2cDevice> Answering(int deviceAddress)
    {
        var answering = _chips.Where(chip => chip.ConnectionSettings.DeviceAddress == deviceAddress).ToList();
        answering.AddRange(_chips.OfType<SimulatedTca9548A>().SelectMany(mux => mux.Downstream(deviceAddress)));
        return answering;
    }

    // The bus master's view of one address.
    private sealed class Endpoint(SimulatedI2cBus bus, int deviceAddress) : I2cDevice
    {
        private bool _disposed;

        public override I2cConnectionSettings ConnectionSettings { get; } = new(bus.BusId, deviceAddress);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            byte[] bytes = buffer.ToArray();
            All(chip =>
            {
                chip.Write(bytes);
                return null;
            });
        }

        public override void WriteByte(byte value) => All(chip =>
        {
            chip.WriteByte(value);
            return null;
        });

        public override void Read(Span<byte> buffer)
        {
            int length = buffer.Length;
            All(chip =>
            {
                var bytes = new byte[length];
                chip.Read(bytes);
                return bytes;
            }).CopyTo(buffer);
        }

        public override byte ReadByte() => All(chip => [chip.ReadByte()])[0];

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            Write(writeBuffer);
            Read(readBuffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (!_disposed)
            {
                _disposed = true;
                bus.RemoveDevice(deviceAddress);
            }

            base.Dispose(disposing);
        }

        // One transfer to every chip answering now: a NACK only when none acknowledges; reads are wired-AND.
        private byte[] All(Func<I2cDevice, byte[]?> transfer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            List<I2cDevice> answering = bus.Answering(deviceAddress);
            byte[]? read = null;
            IOException? nack = null;
            int acknowledged = 0;
            foreach (I2cDevice chip in answering)
            {
                try
                {
                    byte[]? bytes = transfer(chip);
                    acknowledged++;
                    if (bytes is not null)
                    {
                        read = read is null ? bytes : [.. read.Zip(bytes, (a, b) => (byte)(a & b))];
                    }
                }
                catch (IOException ex)
                {
                    nack ??= ex;
                }
            }

            if (acknowledged == 0)
            {
                throw nack ?? new IOException("Error 121 performing I2C data transfer (remote I/O error)");
            }

            return read ?? [];
        }
    }
}
