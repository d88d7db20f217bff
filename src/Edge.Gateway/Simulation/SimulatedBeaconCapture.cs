using System.Buffers.Binary;
using Edge.Drivers.Bluetooth;
using Edge.Gateway.Beacons;

namespace Edge.Gateway.Simulation;

/// <summary>
/// Writes a btsnoop capture (monitor format, one adapter per receiver) of a busy simulated store, byte for byte as
/// a controller reports it: hundreds of foreign devices, the store's beacons (one with a low battery, one that stops,
/// one that is moved), and opted-in shoppers walking from zone to zone. RSSI follows the log-distance model with
/// noise. Used by the replay test, the one-hour replay benchmark and demos.
/// </summary>
public sealed class SimulatedBeaconCapture
{
    /// <summary>
    /// The retailer's app UUID in the simulation: drawn at random for this project, so no real beacon uses it (the
    /// widely copied AirLocate sample UUID would make real beacons count as shoppers).
    /// </summary>
    public const string ShopperUuid = "6c1f3a52-9b7e-4d08-a3c5-2f81e4b07d96";

    private static readonly (int Adapter, string Zone, double X)[] ReceiverPlaces = [(0, "drinks", 0), (1, "snacks", 10), (2, "daily", 20)];
    private readonly Random _random;

    /// <summary>Creates a generator with a seed.</summary>
    public SimulatedBeaconCapture(int seed = 7) => _random = new Random(seed);

    /// <summary>The configuration that matches the capture: receivers, store beacons, the shopper UUID.</summary>
    public static BeaconOptions Options() => new()
    {
        Receivers = [.. ReceiverPlaces.Select(r => new ReceiverOptions { Adapter = r.Adapter, Zone = r.Zone })],
        StoreBeacons =
        [
            new StoreBeaconOptions { Id = "B-1", IBeaconUuid = "11111111-2222-3333-4444-555555555555", Major = 1, Minor = 1 },
            new StoreBeaconOptions { Id = "B-2", EddystoneUid = "a1a2a3a4a5a6a7a8a9aa" + "000000000002" },
            new StoreBeaconOptions { Id = "B-3", IBeaconUuid = "11111111-2222-3333-4444-555555555555", Major = 1, Minor = 3 },
            new StoreBeaconOptions { Id = "B-4", EddystoneUid = "a1a2a3a4a5a6a7a8a9aa" + "000000000004" },
        ],
        ShopperUuid = ShopperUuid,
    };

    /// <summary>
    /// Fills in, from <see cref="Options"/>, what <paramref name="configured"/> leaves empty (receivers, store beacons,
    /// the app UUID), so a simulated store matches the capture; anything configured wins, key by key.
    /// </summary>
    public static BeaconOptions FillIn(BeaconOptions configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        BeaconOptions simulated = Options();
        if (configured.Receivers.Count == 0)
        {
            configured.Receivers = simulated.Receivers;
        }

        if (configured.StoreBeacons.Count == 0)
        {
            configured.StoreBeacons = simulated.StoreBeacons;
        }

        configured.ShopperUuid ??= simulated.ShopperUuid;
        return configured;
    }

    /// <summary>Shoppers' routes: (zone x positions, minutes in each), then they leave.</summary>
    public static (double X, double Minutes)[][] Routes { get; } =
    [
        [(0, 3), (10, 2)],
        [(10, 1.5), (20, 2)],
        [(20, 4)],
        [(0, 1), (20, 1.5), (10, 2)],
        [(10, 6)],
        [(0, 2.5)],
    ];

    /// <summary>Writes <paramref name="duration"/> of the store to <paramref name="destination"/>.</summary>
    /// <param name="destination">Stream for the capture.</param>
    /// <param name="start">Capture start time.</param>
    /// <param name="duration">Length of the capture.</param>
    /// <param name="foreignDevices">Other BLE devices in the store (phones, headphones, tags).</param>
    public void Write(Stream destination, DateTimeOffset start, TimeSpan duration, int foreignDevices = 300)
    {
        using var writer = new BtsnoopWriter(destination, monitor: true);
        ulong[] foreign = [.. Enumerable.Range(0, foreignDevices).Select(_ => (ulong)_random.NextInt64(1L << 47))];
        var shopperStart = new double[Routes.Length];
        for (int i = 0; i < shopperStart.Length; i++)
        {
            shopperStart[i] = 0.2 + (i * 0.4); // minutes
        }

        // 100 ms steps: each step some devices advertise.
        for (TimeSpan t = TimeSpan.Zero; t < duration; t += TimeSpan.FromMilliseconds(100))
        {
            DateTimeOffset now = start + t;
            double minutes = t.TotalMinutes;
            int tenth = (int)(t.Ticks / TimeSpan.TicksPerMillisecond / 100);

            // Store beacons advertise once a second, staggered.
            if (tenth % 10 == 0)
            {
                Beacon(writer, now, 0xB1, IBeacon("11111111222233334444555555555555", 1, 1, -59), x: 2);
                Beacon(writer, now, 0xB2, Uid("a1a2a3a4a5a6a7a8a9aa000000000002"), x: 10);
                if (minutes < 4)
                {
                    Beacon(writer, now, 0xB3, IBeacon("11111111222233334444555555555555", 1, 3, -59), x: 18);
                }

                Beacon(writer, now, 0xB4, Uid("a1a2a3a4a5a6a7a8a9aa000000000004"), x: minutes < 5 ? 5 : 15);
            }

            if (tenth % 100 == 5)
            {
                Beacon(writer, now, 0xB2, Tlm(2300), x: 10); // low battery
            }

            // Shoppers advertise twice a second while in the store.
            if (tenth % 5 == 0)
            {
                for (int s = 0; s < Routes.Length; s++)
                {
                    double? x = Position(Routes[s], minutes - shopperStart[s]);
                    if (x is { } px)
                    {
                        ushort token = (ushort)(0x5000 + s);
                        Beacon(writer, now, 0x5A00000000 + (ulong)s, IBeacon(ShopperUuid.Replace("-", "", StringComparison.Ordinal), 7, token, -59), px, random: true);
                    }
                }
            }

            // Foreign devices: about one advertisement per device per 3 s, at one receiver.
            int share = foreign.Length * 100 / 3000;
            for (int i = 0; i < share; i++)
            {
                ulong address = foreign[_random.Next(foreign.Length)];
                byte[] data = [0x02, 0x01, 0x1A, 0x07, 0xFF, (byte)_random.Next(256), (byte)_random.Next(256), 1, 2, 3, 4];
                int adapter = _random.Next(3);
                writer.Write(now, Packet(address, 1, data, (sbyte)_random.Next(-98, -55)), adapter);
            }
        }
    }

    private static double? Position((double X, double Minutes)[] route, double minutes)
    {
        if (minutes < 0)
        {
            return null;
        }

        foreach ((double x, double m) in route)
        {
            if (minutes < m)
            {
                return x;
            }

            minutes -= m;
        }

        return null; // left the store
    }

    private void Beacon(BtsnoopWriter writer, DateTimeOffset now, ulong address, byte[] data, double x, bool random = false)
    {
        foreach ((int adapter, _, double rx) in ReceiverPlaces)
        {
            double d = Math.Max(0.3, Math.Sqrt(((x - rx) * (x - rx)) + 1));
            double rssi = -59 - (27 * Math.Log10(d)) + (Gaussian() * 2);
            if (rssi > -100)
            {
                writer.Write(now, Packet(address, random ? (byte)1 : (byte)0, data, (sbyte)Math.Round(rssi)), adapter);
            }
        }
    }

    private static byte[] Packet(ulong address, byte addressType, byte[] data, sbyte rssi)
    {
        byte[] p = new byte[3 + 2 + 10 + data.Length];
        p[0] = 0x04;
        p[1] = 0x3E;
        p[2] = (byte)(p.Length - 3);
        p[3] = 0x02;
        p[4] = 1;
        p[5] = 0x03; // ADV_NONCONN_IND
        p[6] = addressType;
        for (int i = 0; i < 6; i++)
        {
            p[7 + i] = (byte)(address >> (8 * i));
        }

        p[13] = (byte)data.Length;
        data.CopyTo(p, 14);
        p[^1] = (byte)rssi;
        return p;
    }

    private static byte[] IBeacon(string uuidHex, ushort major, ushort minor, sbyte power)
    {
        byte[] d = [0x02, 0x01, 0x06, 0x1A, 0xFF, 0x4C, 0x00, 0x02, 0x15, .. Convert.FromHexString(uuidHex), 0, 0, 0, 0, (byte)power];
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(25), major);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(27), minor);
        return d;
    }

    private static byte[] Uid(string namespaceInstance) =>
        [0x02, 0x01, 0x06, 0x03, 0x03, 0xAA, 0xFE, 0x17, 0x16, 0xAA, 0xFE, 0x00, 0xE3, .. Convert.FromHexString(namespaceInstance), 0, 0];

    private static byte[] Tlm(ushort batteryMv)
    {
        byte[] d = [0x02, 0x01, 0x06, 0x03, 0x03, 0xAA, 0xFE, 0x11, 0x16, 0xAA, 0xFE, 0x20, 0x00, 0, 0, 0x15, 0x00, 0, 0, 0x10, 0, 0, 0, 0x20, 0];
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(13), batteryMv);
        return d;
    }

    private double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2.0 * Math.PI * _random.NextDouble());
}
