using Edge.Drivers.Scales.Hx711;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Configuration;

/// <summary>
/// Checks the whole configuration at start and names each bad key as it is written in appsettings.json
/// (<c>Shelves:3:UnitWeightGrams must be > 0</c>), so a typo stops the gateway at install time, not at 3 a.m.
/// </summary>
public static class SettingsValidator
{
    /// <summary>Every problem found; empty when the configuration is usable.</summary>
    /// <param name="gateway">Section Gateway.</param>
    /// <param name="simulation">Section Simulation.</param>
    /// <param name="detection">Section Detection.</param>
    /// <param name="shelves">The shelves.</param>
    /// <param name="paths">Configuration path of each shelf (<c>Shelves:3</c>); by position when null.</param>
    public static List<string> Validate(GatewayOptions gateway, SimulationOptions simulation, DetectionOptions detection, IReadOnlyList<ShelfOptions> shelves, IReadOnlyList<string>? paths = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(detection);
        ArgumentNullException.ThrowIfNull(shelves);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(gateway.Id))
        {
            problems.Add("Gateway:Id must not be empty");
        }

        if (string.IsNullOrWhiteSpace(gateway.DataDir))
        {
            problems.Add("Gateway:DataDir must not be empty");
        }

        foreach (string url in gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add($"Gateway:Urls has '{url}', which is not an http:// or https:// URL");
            }
        }

        if (!(simulation.ShopperRatePerMinute >= 0 && simulation.ShopperRatePerMinute <= 600))
        {
            problems.Add("Simulation:ShopperRatePerMinute must be from 0 to 600");
        }

        if (detection.Problem("Detection") is { } d)
        {
            problems.Add(d);
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var pins = new Dictionary<int, string>();
        for (int i = 0; i < shelves.Count; i++)
        {
            ShelfOptions s = shelves[i];
            string p = paths?[i] ?? $"Shelves:{i}";
            if (string.IsNullOrWhiteSpace(s.Id))
            {
                problems.Add($"{p}:Id must not be empty");
            }
            else if (!ids.Add(s.Id))
            {
                problems.Add($"{p}:Id '{s.Id}' is used by another shelf");
            }

            if (string.IsNullOrWhiteSpace(s.Sku))
            {
                problems.Add($"{p}:Sku must not be empty");
            }

            if (string.IsNullOrWhiteSpace(s.Zone))
            {
                problems.Add($"{p}:Zone must not be empty");
            }

            if (!(s.UnitWeightGrams > 0) || !double.IsFinite(s.UnitWeightGrams))
            {
                problems.Add($"{p}:UnitWeightGrams must be > 0");
            }

            if (s.LowStockThreshold < 0)
            {
                problems.Add($"{p}:LowStockThreshold must be >= 0");
            }

            if (s.Capacity < 1)
            {
                problems.Add($"{p}:Capacity must be >= 1");
            }

            if (s.Price < 0)
            {
                problems.Add($"{p}:Price must be >= 0");
            }

            if (!Enum.IsDefined(s.DataRate))
            {
                problems.Add($"{p}:DataRate must be Sps10 or Sps80");
            }

            if (s.DoutPin < 0 || s.SckPin < 0)
            {
                problems.Add($"{p}: DoutPin and SckPin must be >= 0");
            }
            else if (s.DoutPin == s.SckPin)
            {
                problems.Add($"{p}:SckPin must differ from DoutPin ({s.DoutPin})");
            }
            else
            {
                foreach (int pin in new[] { s.DoutPin, s.SckPin })
                {
                    if (pins.TryGetValue(pin, out string? other))
                    {
                        problems.Add($"{p}: GPIO {pin} is already used by {other}");
                    }
                    else
                    {
                        pins[pin] = p;
                    }
                }
            }

            if (s.Calibration.ToCalibration().Problem() is { } c)
            {
                problems.Add($"{p}:Calibration: {c}");
            }

            if (!double.IsFinite(s.TareGrams))
            {
                problems.Add($"{p}:TareGrams must be a number");
            }
        }

        return problems;
    }
}
