using System.Device.I2c;
using System.Globalization;
using Edge.Drivers.I2c;

namespace Edge.Drivers;

/// <summary>Where an I2C chip is, as messages name it: <c>I2C bus 1, address 0x44</c>, or with its multiplexer channel.</summary>
internal static class I2cWhere
{
    public static string Of(I2cDevice device) => device is MuxChannelDevice muxed
        ? muxed.Place.ToString()
        : string.Create(CultureInfo.InvariantCulture, $"I2C bus {device.ConnectionSettings.BusId}, address 0x{device.ConnectionSettings.DeviceAddress:x2}");
}
