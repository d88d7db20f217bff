using Edge.Gateway.Shelves;

namespace Edge.Gateway.Simulation;

/// <summary>The simulated store's shelves when none are configured: 12 slots in 3 zones of a Japanese convenience store.</summary>
public static class DemoStoreLayout
{
    /// <summary>Full-scale load of the simulated cells (10 kg) and their output at excitation (4.3 V × 1 mV/V).</summary>
    internal const double CellCapacityGrams = 10_000;
    internal const double CellFullScaleMillivolts = 4.3;
    internal const double CellZeroMillivolts = 0.15;

    private static readonly (string Id, string Zone, string Sku, string Name, string NameJa, decimal Price, double Grams, int Capacity)[] Products =
    [
        ("D-01", "drinks", "4901085089385", "Oi Ocha Green Tea 525 ml", "お～いお茶 緑茶 525ml", 160m, 545, 10),
        ("D-02", "drinks", "4987035332718", "Pocari Sweat 500 ml", "ポカリスエット 500ml", 170m, 528, 10),
        ("D-03", "drinks", "4902705116542", "Meiji Bulgaria Yogurt 400 g", "明治ブルガリアヨーグルト 400g", 248m, 423, 8),
        ("D-04", "drinks", "4901340011748", "Calpis Water 500 ml", "カルピスウォーター 500ml", 160m, 534, 10),
        ("S-01", "snacks", "4901005202078", "Pocky Chocolate", "ポッキー チョコレート", 198m, 81, 20),
        ("S-02", "snacks", "4901330502881", "Calbee Potato Chips Lightly Salted 60 g", "カルビー ポテトチップス うすしお味 60g", 148m, 68, 16),
        ("S-03", "snacks", "4902201175258", "KitKat Mini 12 pieces", "キットカット ミニ 12枚", 398m, 141, 12),
        ("S-04", "snacks", "4901330571481", "Jagarico Salad", "じゃがりこ サラダ", 168m, 66, 18),
        ("H-01", "daily", "4902105033722", "Nissin Cup Noodle", "日清 カップヌードル", 236m, 96, 15),
        ("H-02", "daily", "4901301388193", "Attack ZERO Refill 360 g", "アタックZERO 詰め替え 360g", 398m, 382, 10),
        ("H-03", "daily", "4901750154103", "Scottie Tissue 5 Boxes", "スコッティ ティシュー 5箱", 398m, 905, 6),
        ("H-04", "daily", "4902888218743", "Morinaga Milk Caramel", "森永ミルクキャラメル", 130m, 58, 24),
    ];

    /// <summary>The shelves, with pins 5/6, 7/8, … and the factory calibration of the simulated cells.</summary>
    public static List<ShelfOptions> Shelves()
    {
        var shelves = new List<ShelfOptions>(Products.Length);
        for (int i = 0; i < Products.Length; i++)
        {
            var p = Products[i];
            shelves.Add(new ShelfOptions
            {
                Id = p.Id,
                Zone = p.Zone,
                Sku = p.Sku,
                Name = p.Name,
                NameJa = p.NameJa,
                Price = p.Price,
                UnitWeightGrams = p.Grams,
                Capacity = p.Capacity,
                LowStockThreshold = Math.Max(2, p.Capacity / 4),
                DoutPin = 5 + (2 * i),
                SckPin = 6 + (2 * i),
                Calibration = FactoryCalibration(),
                TareGrams = TrayGrams(i),
            });
        }

        return shelves;
    }

    /// <summary>
    /// The simulated store's screens, one per zone and one of each layout and orientation: the drinks fridge's grid in
    /// both languages, the snack aisle's featured product, the daily goods' portrait grid in Japanese.
    /// </summary>
    public static List<Signage.ScreenOptions> Screens() =>
    [
        new() { Id = "drinks", Zone = "drinks", Layout = Signage.ScreenLayout.Grid, Languages = ["ja", "en"], RotationSeconds = 10 },
        new() { Id = "snacks", Zone = "snacks", Layout = Signage.ScreenLayout.Featured, Languages = ["ja", "en"], RotationSeconds = 8 },
        new() { Id = "daily", Zone = "daily", Layout = Signage.ScreenLayout.Grid, Orientation = Signage.ScreenOrientation.Portrait, Languages = ["ja"], RotationSeconds = 12 },
    ];

    /// <summary>How often the simulated store's case is read when <c>Temperature:Interval</c> is not configured (a minute is long to watch).</summary>
    public static readonly TimeSpan CaseInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The simulated store's chilled case: the drinks and yogurt shelves, an SHT3x at 0x44 on bus 1, held below 8 °C,
    /// alerted after 5 minutes out of range (shorter than a real store's 15, so the demo shows one).
    /// </summary>
    public static List<Temperature.CaseOptions> ChilledCases() =>
    [
        new() { Id = "C-01", Name = "Drinks & dairy case", Shelves = ["D-01", "D-02", "D-03", "D-04"], MinDuration = TimeSpan.FromMinutes(5) },
    ];

    /// <summary>LEDs of the demo strip under each demo shelf's edge.</summary>
    public const int LedsPerShelf = 8;

    /// <summary>
    /// The simulated store's pick-to-light strip when none is configured: on, on SPI 0.0, <see cref="LedsPerShelf"/>
    /// LEDs under each demo shelf in layout order.
    /// </summary>
    public static void FillInPickToLight(PickToLight.PickToLightOptions options, IReadOnlyList<ShelfOptions> shelves)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shelves);
        options.Enabled = true;
        options.Length = LedsPerShelf * shelves.Count;
        options.Shelves.Clear();
        for (int i = 0; i < shelves.Count; i++)
        {
            options.Shelves.Add(new PickToLight.ShelfLightOptions { ShelfId = shelves[i].Id, First = i * LedsPerShelf, Count = LedsPerShelf });
        }
    }

    /// <summary>The simulated tray weight of slot <paramref name="index"/>.</summary>
    internal static double TrayGrams(int index) => 320 + (17 * (index % 7));

    /// <summary>Raw codes of the simulated cell at 0 g and 1 kg, as a technician would measure them.</summary>
    internal static CalibrationOptions FactoryCalibration() => new()
    {
        RawZero = Edge.Drivers.Scales.Hx711.Simulation.SimulatedHx711.CodeFor(CellZeroMillivolts, Edge.Drivers.Scales.Hx711.Hx711Mode.ChannelAGain128),
        GramsZero = 0,
        RawSpan = Edge.Drivers.Scales.Hx711.Simulation.SimulatedHx711.CodeFor(CellZeroMillivolts + (1000 * CellFullScaleMillivolts / CellCapacityGrams), Edge.Drivers.Scales.Hx711.Hx711Mode.ChannelAGain128),
        GramsSpan = 1000,
    };
}
