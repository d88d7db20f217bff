using System.Buffers.Binary;
using System.Globalization;

namespace Edge.Drivers.Temperature;

/// <summary>
/// The 6-byte measurement frame the Sensirion SHT3x and SHT4x share (temperature word, CRC-8, humidity word, CRC-8),
/// and the checks a frame must pass before the temperature a binding made of it is one to record.
/// </summary>
internal static class SensirionFrame
{
    /// <summary>What the SHT3x and the SHT4x measure, per their datasheets (°C).</summary>
    public const double MinCelsius = -40, MaxCelsius = 125;

    /// <summary>Sensirion's CRC-8: polynomial 0x31, initial value 0xFF, over each 16-bit word.</summary>
    public static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0xFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x31) : (byte)(crc << 1);
            }
        }

        return crc;
    }

    /// <summary>A frame of two words, each followed by its CRC, as the chips send it.</summary>
    public static byte[] Of(ushort first, ushort second)
    {
        var frame = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(0), first);
        frame[2] = Crc8(frame.AsSpan(0, 2));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(3), second);
        frame[5] = Crc8(frame.AsSpan(3, 2));
        return frame;
    }

    /// <summary>
    /// The reading for <paramref name="celsius"/>, the binding's value for <paramref name="frame"/>, the last frame read
    /// from the <paramref name="chip"/> at <paramref name="where"/>: a fault when there was no frame, a CRC does not
    /// match (either word: a glitch that hit one may have hit both) or the value is outside what the chip measures.
    /// </summary>
    public static TemperatureReading Check(string chip, string where, byte[]? frame, double? celsius)
    {
        if (frame is not { Length: 6 })
        {
            return TemperatureReading.Faulted($"the {chip} at {where} sent no measurement");
        }

        if (Crc8(frame.AsSpan(0, 2)) != frame[2] || Crc8(frame.AsSpan(3, 2)) != frame[5] || celsius is not { } value)
        {
            return TemperatureReading.Faulted(string.Create(CultureInfo.InvariantCulture, $"bad CRC from the {chip} at {where} (frame {Convert.ToHexString(frame)})"));
        }

        return value is < MinCelsius or > MaxCelsius || !double.IsFinite(value)
            ? TemperatureReading.Faulted(string.Create(CultureInfo.InvariantCulture, $"impossible value {value:0.0} °C from the {chip} at {where} (it measures {MinCelsius} to {MaxCelsius} °C)"))
            : TemperatureReading.Of(value);
    }
}
