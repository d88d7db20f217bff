using System.Device.I2c;
using System.Globalization;
using Iot.Device.Tca954x;

namespace Edge.Drivers.I2c;

/// <summary>
/// A sensor behind a TCA9548A channel: the binding's channel device, with what it leaves out. Before each transfer
/// the other multiplexers on the bus are set to no channel (the binding leaves each on its last channel, so a sensor at
/// the same address behind another multiplexer would answer too), and the transfer goes ahead only once the binding
/// holds the channel selected (it silently selects nothing when the multiplexer does not answer, and the transfer
/// would go to whatever answers on the main bus). A failed transfer names the multiplexer when that is what is absent.
/// </summary>
internal sealed class MuxChannelDevice(SensorPlace place, Multiplexer mux, Func<IEnumerable<Multiplexer>> neighbours, I2cBus channelBus, I2cDevice channelDevice) : I2cDevice
{
    private readonly MultiplexerChannel _channel = (MultiplexerChannel)(1 << place.MuxChannel!.Value);

    /// <summary>Where the sensor is: <c>I2C bus 1, mux 0x70 channel 2, address 0x44</c>.</summary>
    public SensorPlace Place => place;

    /// <summary>The binding's settings: its bus id is the channel number (0-7), not the Linux bus.</summary>
    public override I2cConnectionSettings ConnectionSettings => channelDevice.ConnectionSettings;

    public override byte ReadByte()
    {
        Select();
        try
        {
            return channelDevice.ReadByte();
        }
        catch (IOException ex)
        {
            throw Explained(ex);
        }
    }

    public override void Read(Span<byte> buffer)
    {
        Select();
        try
        {
            channelDevice.Read(buffer);
        }
        catch (IOException ex)
        {
            throw Explained(ex);
        }
    }

    public override void WriteByte(byte value)
    {
        Select();
        try
        {
            channelDevice.WriteByte(value);
        }
        catch (IOException ex)
        {
            throw Explained(ex);
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Select();
        try
        {
            channelDevice.Write(buffer);
        }
        catch (IOException ex)
        {
            throw Explained(ex);
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Select();
        try
        {
            channelDevice.WriteRead(writeBuffer, readBuffer);
        }
        catch (IOException ex)
        {
            throw Explained(ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            channelDevice.Dispose();
            try
            {
                // The binding's channel bus keeps the address until told, refusing to open it again.
                channelBus.RemoveDevice(place.Address);
            }
            catch (IOException)
            {
                // It selects the channel first; an absent multiplexer does not stop the sensor closing.
            }
        }

        base.Dispose(disposing);
    }

    private void Select()
    {
        foreach (Multiplexer other in neighbours())
        {
            other.Deselect();
        }

        try
        {
            mux.Binding.SelectChannel(_channel);
        }
        catch (IOException ex)
        {
            throw new IOException($"{MuxName()} does not answer: {ex.Message}", ex);
        }

        if (!mux.Binding.TryGetSelectedChannel(out MultiplexerChannel selected) || selected != _channel)
        {
            throw new IOException($"{MuxName()} does not answer: channel {place.MuxChannel} could not be selected");
        }
    }

    // After a failed transfer the binding may hold a channel the chip no longer has (it lost power, or its RESET pin
    // was pulled): forget it, so the next transfer writes the control register again.
    private IOException Explained(IOException failure)
    {
        mux.Deselect();
        try
        {
            mux.Device.ReadByte();
        }
        catch (IOException absent)
        {
            return new IOException($"{MuxName()} does not answer: {absent.Message}", failure);
        }

        return new IOException(failure.Message, failure);
    }

    private string MuxName() => string.Create(CultureInfo.InvariantCulture, $"the TCA9548A multiplexer at I2C bus {place.Bus}, address 0x{mux.Address:x2}");
}
