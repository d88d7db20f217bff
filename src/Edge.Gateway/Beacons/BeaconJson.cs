using System.Text.Json;
using Edge.Drivers.Bluetooth;

namespace Edge.Gateway.Beacons;

/// <summary>The JSON shapes of decoded frames and reports (a contract: tools parse the CLI's output).</summary>
public static class BeaconJson
{
    /// <summary>Writes <c>{"frames":[...]}</c> for advertising data.</summary>
    public static void WriteFrames(Utf8JsonWriter w, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(w);
        Span<BeaconFrame> frames = stackalloc BeaconFrame[16];
        int n = BeaconDecoder.Decode(data, frames);
        w.WriteStartArray("frames");
        for (int i = 0; i < n; i++)
        {
            WriteFrame(w, frames[i], data);
        }

        w.WriteEndArray();
    }

    /// <summary>Writes one frame as an object.</summary>
    public static void WriteFrame(Utf8JsonWriter w, in BeaconFrame f, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(w);
        ReadOnlySpan<byte> id = data.Slice(f.IdOffset, f.IdLength);
        w.WriteStartObject();
        switch (f.Kind)
        {
            case BeaconKind.IBeacon:
                w.WriteString("type", "ibeacon");
                w.WriteString("uuid", BeaconText.Uuid(id));
                w.WriteNumber("major", f.Major);
                w.WriteNumber("minor", f.Minor);
                w.WriteNumber("measuredPower", f.Power);
                break;
            case BeaconKind.AltBeacon:
                w.WriteString("type", "altbeacon");
                w.WriteNumber("manufacturerId", f.Major);
                w.WriteString("beaconId", BeaconText.Hex(id));
                w.WriteNumber("referenceRssi", f.Power);
                w.WriteNumber("reserved", f.Extra);
                break;
            case BeaconKind.EddystoneUid:
                w.WriteString("type", "eddystone-uid");
                w.WriteNumber("txPower", f.Power);
                w.WriteString("namespace", BeaconText.Hex(id[..10]));
                w.WriteString("instance", BeaconText.Hex(id[10..]));
                break;
            case BeaconKind.EddystoneUrl:
                w.WriteString("type", "eddystone-url");
                w.WriteNumber("txPower", f.Power);
                w.WriteString("url", BeaconText.Url(f.Extra, id));
                break;
            case BeaconKind.EddystoneTlm:
                w.WriteString("type", "eddystone-tlm");
                w.WriteNumber("batteryMv", f.BatteryMv);
                if (f.TemperatureC is { } c)
                {
                    w.WriteNumber("temperatureC", c);
                }
                else
                {
                    w.WriteNull("temperatureC");
                }

                w.WriteNumber("advCount", f.Count);
                w.WriteNumber("uptimeSeconds", f.Uptime / 10.0);
                break;
            case BeaconKind.EddystoneEtlm:
                w.WriteString("type", "eddystone-etlm");
                w.WriteString("etlm", BeaconText.Hex(id));
                w.WriteNumber("salt", f.Salt);
                w.WriteNumber("mic", f.Mic);
                break;
            case BeaconKind.EddystoneEid:
                w.WriteString("type", "eddystone-eid");
                w.WriteNumber("txPower", f.Power);
                w.WriteString("eid", BeaconText.Hex(id));
                break;
        }

        w.WriteEndObject();
    }

    /// <summary>Writes <c>{"reports":[...]}</c> for an HCI event packet, or <c>{"error":"..."}</c>.</summary>
    public static void WriteReports(Utf8JsonWriter w, ReadOnlySpan<byte> packet)
    {
        ArgumentNullException.ThrowIfNull(w);
        Span<AdvertisingReport> reports = stackalloc AdvertisingReport[32];
        HciParseResult result = HciEvents.ParseAdvertising(packet, reports, out int n, out string? reason);
        w.WriteStartObject();
        if (result != HciParseResult.Ok)
        {
            w.WriteString("error", result == HciParseResult.OtherEvent ? "not an LE advertising report event" : reason);
            w.WriteEndObject();
            return;
        }

        w.WriteStartArray("reports");
        for (int i = 0; i < n; i++)
        {
            AdvertisingReport r = reports[i];
            ReadOnlySpan<byte> data = packet.Slice(r.DataOffset, r.DataLength);
            w.WriteStartObject();
            w.WriteNumber("eventType", r.EventType);
            w.WriteString("addressType", r.AddressTypeName);
            w.WriteString("address", BeaconText.Address(r.Address));
            w.WriteNumber("rssi", r.Rssi);
            w.WriteString("data", BeaconText.Hex(data));
            WriteFrames(w, data);
            w.WriteBoolean("extended", r.Extended);
            if (r.Extended)
            {
                w.WriteNumber("dataStatus", r.DataStatus);
                w.WriteNumber("txPower", r.TxPower);
                w.WriteNumber("sid", r.Sid);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
