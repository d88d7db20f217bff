using Edge.Gateway.Hosting;

namespace Edge.Gateway.Shelves;

/// <summary>
/// The shelves this gateway reads (<c>Shelves:N</c>). Bound element by element: the configuration binder silently
/// skips a list element it cannot convert, and a shelf must never vanish because of a typo.
/// </summary>
public sealed class ShelvesOptions
{
    /// <summary>The configured shelves, in configuration order.</summary>
    public List<ShelfOptions> Shelves { get; } = [];

    /// <summary>Each shelf's configuration path (<c>Shelves:3</c>), for problems that name the key.</summary>
    internal List<string> Paths { get; } = [];

    /// <summary>Binds every child of <c>Shelves</c> on its own; returns the problems.</summary>
    internal static IReadOnlyList<string> Bind(IConfiguration configuration, ShelvesOptions options)
    {
        var problems = new List<string>();
        foreach (IConfigurationSection child in configuration.GetSection("Shelves").GetChildren())
        {
            OptionsBinding.BindElement(child, options.Shelves, options.Paths, problems);
        }

        return problems;
    }
}

/// <summary>
/// Checks every shelf and names each bad key as it is written in appsettings.json (<c>Shelves:3:UnitWeightGrams must be
/// > 0</c>), so a typo stops the gateway at install time, not at 3 a.m.
/// </summary>
internal sealed class ShelvesOptionsValidator(BindingProblems binding) : SectionValidator<ShelvesOptions>(binding)
{
    protected override IEnumerable<string> Problems(ShelvesOptions options)
    {
        var problems = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var pins = new Dictionary<int, string>();
        for (int i = 0; i < options.Shelves.Count; i++)
        {
            ShelfOptions s = options.Shelves[i];
            string p = i < options.Paths.Count ? options.Paths[i] : $"Shelves:{i}";
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

/// <summary>Section <c>Detection</c>.</summary>
internal sealed class DetectionOptionsValidator(BindingProblems binding) : SectionValidator<DetectionOptions>(binding)
{
    protected override IEnumerable<string> Problems(DetectionOptions options) =>
        options.Problem("Detection") is { } problem ? [problem] : [];
}
