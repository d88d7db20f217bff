namespace Edge.Drivers.Tests.Bluetooth;

/// <summary>Builds HCI event packets byte by byte from the layouts in the Core spec (as summarised in shared/reference/ble-hci.md §2).</summary>
internal static class HciPackets
{
    public static byte[] Legacy(params (byte EventType, byte AddressType, byte[] AddressWire, byte[] Data, sbyte Rssi)[] reports)
    {
        var body = new List<byte> { 0x02, (byte)reports.Length };
        foreach (var r in reports)
        {
            body.Add(r.EventType);
            body.Add(r.AddressType);
            body.AddRange(r.AddressWire);
            body.Add((byte)r.Data.Length);
            body.AddRange(r.Data);
            body.Add((byte)r.Rssi);
        }

        return [0x04, 0x3E, (byte)body.Count, .. body];
    }

    public static byte[] Extended(ushort eventType, byte addressType, byte[] addressWire, sbyte txPower, sbyte rssi, byte sid, byte[] data)
    {
        var body = new List<byte> { 0x0D, 1, (byte)eventType, (byte)(eventType >> 8), addressType };
        body.AddRange(addressWire);
        body.Add(1);        // primary PHY 1M
        body.Add(0);        // secondary PHY none
        body.Add(sid);
        body.Add((byte)txPower);
        body.Add((byte)rssi);
        body.Add(0);        // periodic interval LE16
        body.Add(0);
        body.Add(0);        // direct address type
        body.AddRange(new byte[6]);
        body.Add((byte)data.Length);
        body.AddRange(data);
        return [0x04, 0x3E, (byte)body.Count, .. body];
    }
}
