using Edge.Drivers.Scales.Hx711;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Configuration;

/// <summary>Section <c>Gateway</c>: the box itself.</summary>
public sealed class GatewayOptions
{
    /// <summary>Gateway id, unique within the store (<c>Gateway:Id</c>).</summary>
    public string Id { get; set; } = "gw-01";

    /// <summary>
    /// Directory holding all state (<c>Gateway:DataDir</c>, <c>--data-dir</c>). By default outside any source tree:
    /// systemd's <c>$STATE_DIRECTORY</c>, else <c>$XDG_STATE_HOME/edge-gateway</c>, else <c>~/.local/state/edge-gateway</c>.
    /// </summary>
    public string DataDir { get; set; } = DefaultDataDir();

    /// <summary>Local HTTP listen address(es), semicolon-separated (<c>Gateway:Urls</c>, <c>--urls</c>).</summary>
    public string Urls { get; set; } = "http://0.0.0.0:8080";

    /// <summary>The default data directory for this environment (see <see cref="DataDir"/>).</summary>
    public static string DefaultDataDir()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            return systemd.Split(':')[0];
        }

        if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg)
        {
            return Path.Combine(xdg, "edge-gateway");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Path.GetFullPath("data") : Path.Combine(home, ".local", "state", "edge-gateway");
    }
}

/// <summary>Section <c>Store</c>.</summary>
public sealed class StoreOptions
{
    /// <summary>Store id (<c>Store:Id</c>).</summary>
    public string Id { get; set; } = "store-001";

    /// <summary>Display name.</summary>
    public string Name { get; set; } = "Demo Store";
}

/// <summary>Section <c>Simulation</c>.</summary>
public sealed class SimulationOptions
{
    /// <summary>Run on the simulated store even if a GPIO chip is present (<c>Simulation:Enabled</c>, <c>--simulate</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Simulated shopper pick/put actions per minute across the store; 0 disables them (<c>--sim-shopper-rate</c>).</summary>
    public double ShopperRatePerMinute { get; set; } = 6;

    /// <summary>Seed of the simulation's randomness, for reproducible demos.</summary>
    public int Seed { get; set; } = 20261122;
}

/// <summary>Two-point calibration as configured (<c>Shelves:N:Calibration</c>).</summary>
public sealed class CalibrationOptions
{
    /// <summary>Raw reading with the first load.</summary>
    public double RawZero { get; set; }

    /// <summary>First load in grams (usually 0, the empty tray).</summary>
    public double GramsZero { get; set; }

    /// <summary>Raw reading with the reference load.</summary>
    public double RawSpan { get; set; }

    /// <summary>Reference load in grams.</summary>
    public double GramsSpan { get; set; }

    /// <summary>As a <see cref="Calibration"/>.</summary>
    public Calibration ToCalibration() => new(RawZero, GramsZero, RawSpan, GramsSpan);
}

/// <summary>One shelf slot (<c>Shelves:N</c>): one product on one load cell behind one HX711.</summary>
public sealed class ShelfOptions
{
    /// <summary>Slot id, unique in the store.</summary>
    public string Id { get; set; } = "";

    /// <summary>Zone the slot stands in.</summary>
    public string Zone { get; set; } = "";

    /// <summary>Product SKU (GTIN or the retailer's code).</summary>
    public string Sku { get; set; } = "";

    /// <summary>Product name (English).</summary>
    public string Name { get; set; } = "";

    /// <summary>Product name (Japanese), optional.</summary>
    public string? NameJa { get; set; }

    /// <summary>Shelf price in the store's currency.</summary>
    public decimal Price { get; set; }

    /// <summary>Weight of one item in grams; must be > 0.</summary>
    public double UnitWeightGrams { get; set; }

    /// <summary>At or below this count the slot is low on stock.</summary>
    public int LowStockThreshold { get; set; } = 3;

    /// <summary>Items the slot holds when full (used by the simulator's restocking).</summary>
    public int Capacity { get; set; } = 12;

    /// <summary>GPIO (logical numbering) wired to the HX711's DOUT.</summary>
    public int DoutPin { get; set; }

    /// <summary>GPIO (logical numbering) wired to the HX711's PD_SCK.</summary>
    public int SckPin { get; set; }

    /// <summary>Data rate strapped on the HX711 board (10 or 80).</summary>
    public Hx711DataRate DataRate { get; set; } = Hx711DataRate.Sps10;

    /// <summary>Factory or installation calibration; a technician's later calibration (stored in the database) wins.</summary>
    public CalibrationOptions Calibration { get; set; } = new();

    /// <summary>Gross grams of the empty tray until the slot is tared.</summary>
    public double TareGrams { get; set; }
}
