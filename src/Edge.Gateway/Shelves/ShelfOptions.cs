using Edge.Drivers.Scales.Hx711;

namespace Edge.Gateway.Shelves;

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
