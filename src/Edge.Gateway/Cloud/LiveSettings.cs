using System.Text.Json.Nodes;
using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Commands;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Cloud;

/// <summary>Changes one live setting locally (<c>set-config</c>): <c>shelves.&lt;id&gt;.lowStockThreshold</c> or <c>pump.ratePerSecond</c>.</summary>
public sealed record SetLiveSetting(string Key, JsonNode? Value) : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "set-config";
}

/// <summary>
/// The live settings: what the cloud's desired configuration and local changes set while the gateway runs. Two writers
/// with their own versions: the cloud's desired configuration, versioned by the cloud (<c>$version</c>), and local
/// changes (<see cref="SetLiveSetting"/>), counted by a local version. A desired configuration supersedes the local
/// changes of the settings it names; both versions are reported. Everything is stored and re-applied at start.
/// </summary>
public sealed class LiveSettings : ICommandHandler<SetLiveSetting>
{
    /// <summary>Largest desired <c>$version</c> accepted: the largest integer a JSON number holds exactly everywhere.</summary>
    public const long MaxVersion = (1L << 53) - 1;

    private readonly ShelfService _shelves;
    private readonly PumpOptions _pump;
    private readonly LiveSettingsRepository _repository;
    private readonly ILogger<LiveSettings> _logger;

    /// <summary>Created by DI.</summary>
    public LiveSettings(ShelfService shelves, Microsoft.Extensions.Options.IOptions<CloudOptions> cloud, LiveSettingsRepository repository, ILogger<LiveSettings> logger)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        _shelves = shelves;
        _pump = cloud.Value.Pump;
        _repository = repository;
        _logger = logger;
    }

    /// <summary>Raised after the settings in force changed (for reporting them).</summary>
    public event Action? Changed;

    /// <summary>The applied desired version.</summary>
    public long DesiredVersion => _repository.DesiredVersion;

    /// <inheritdoc />
    public async Task<CommandResult> HandleAsync(SetLiveSetting command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Plan(command.Key, command.Value, out Func<Task>? change) is { } problem)
        {
            return CommandResult.Failed(CommandOutcome.Invalid, problem);
        }

        await change!();
        _repository.SaveLocal(command.Key, command.Value);
        RaiseChanged();
        return CommandResult.Done(Reported());
    }

    /// <summary>
    /// Applies desired configuration <c>{"$version": n, "shelves": {"S-01": {"lowStockThreshold": 4}}, "pump": {"ratePerSecond": 300}}</c>
    /// if its version is newer than the applied one. Everything is validated before anything changes.
    /// </summary>
    public async Task<(int Status, JsonObject Report)> ApplyDesiredAsync(byte[] payload)
    {
        JsonObject desired;
        try
        {
            desired = JsonNode.Parse(payload) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return (400, new JsonObject { ["error"] = "desired configuration is not a JSON object: " + ex.Message });
        }

        if (desired["$version"] is not JsonValue v || !v.TryGetValue(out long version) || version is < 0 or > MaxVersion)
        {
            return (400, new JsonObject { ["error"] = $"\"$version\" must be a whole number from 0 to {MaxVersion}" });
        }

        if (version <= _repository.DesiredVersion)
        {
            // Late or repeated: reconciled by version, nothing to do.
            return (200, Reported());
        }

        if (Flatten(desired) is not { } settings)
        {
            return (400, new JsonObject { ["error"] = FlattenError(desired), ["$version"] = version });
        }

        var changes = new List<Func<Task>>();
        foreach ((string key, JsonNode? value) in settings)
        {
            if (Plan(key, value, out Func<Task>? change) is { } problem)
            {
                return (400, new JsonObject { ["error"] = problem, ["$version"] = version });
            }

            changes.Add(change!);
        }

        int applied = 0;
        try
        {
            foreach (Func<Task> change in changes)
            {
                await change();
                applied++;
            }
        }
        catch (ShelfReaderTimeoutException ex)
        {
            // Not claimed: the cloud sends this version again, and applying it twice is the same as once. What was
            // applied before is in force until then, and reported as it is.
            if (applied > 0)
            {
                RaiseChanged();
            }

            string error = applied == 0
                ? $"{ex.Message} (this version is not applied: the next delivery applies it)"
                : $"{ex.Reason} (this version is not applied: the next delivery applies it; {applied} of its {changes.Count} settings are in force until then, not stored)";
            return (503, new JsonObject { ["error"] = error, ["$version"] = version });
        }

        try
        {
            _repository.SaveDesired(version, desired.ToJsonString(), [.. settings.Select(s => s.Key)]);
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
        {
            // Applied but not stored: a restart would forget it, so do not claim the version.
            return (503, new JsonObject { ["error"] = "applied, but storage is unavailable: " + ex.Message, ["$version"] = version });
        }

        RaiseChanged();
        return (200, Reported());
    }

    /// <summary>Re-applies the stored desired configuration and then the local changes at start, so a restart keeps both.</summary>
    public async Task RestoreAsync()
    {
        (string? desiredJson, JsonObject local) = _repository.Load();
        var settings = new List<(string Key, JsonNode? Value)>();
        if (desiredJson is not null && JsonNode.Parse(desiredJson) is JsonObject desired && Flatten(desired) is { } fromCloud)
        {
            settings.AddRange(fromCloud);
        }

        settings.AddRange(local.Select(kv => (kv.Key, kv.Value)));
        foreach ((string key, JsonNode? value) in settings)
        {
            // A setting that no longer fits (its shelf was removed from the layout) is skipped, not fatal.
            if (Plan(key, value, out Func<Task>? change) is not null)
            {
                CloudLog.StoredSettingSkipped(_logger, key);
                continue;
            }

            try
            {
                await change!();
            }
            catch (ShelfReaderTimeoutException ex)
            {
                // Still stored: the next start applies it. A stuck reader must not also stop the start, and after the
                // first deadline the reader refuses the rest at once.
                CloudLog.StoredSettingNotApplied(_logger, key, ex.Message);
            }
        }
    }

    // {"shelves": {"S-01": {"lowStockThreshold": 4}}, "pump": {"ratePerSecond": 300}} → ("shelves.S-01.lowStockThreshold", 4), …
    // Keys starting with '$' are the cloud's metadata ($version, $metadata) and correlationId is how a 3.1.1 client
    // asks for a reply; neither is a setting. Null when the shape is wrong (FlattenError says how).
    private static List<(string Key, JsonNode? Value)>? Flatten(JsonObject desired)
    {
        var settings = new List<(string, JsonNode?)>();
        foreach ((string section, JsonNode? node) in desired)
        {
            if (section.StartsWith('$') || section == "correlationId")
            {
                continue;
            }

            switch (section)
            {
                case "shelves" when node is JsonObject shelves:
                    foreach ((string id, JsonNode? shelf) in shelves)
                    {
                        if (shelf is not JsonObject values)
                        {
                            return null;
                        }

                        settings.AddRange(values.Select(kv => ($"shelves.{id}.{kv.Key}", kv.Value)));
                    }

                    break;
                case "pump" when node is JsonObject pump:
                    settings.AddRange(pump.Select(kv => ($"pump.{kv.Key}", kv.Value)));
                    break;
                default:
                    return null;
            }
        }

        return settings;
    }

    private static string FlattenError(JsonObject desired)
    {
        foreach ((string section, JsonNode? node) in desired)
        {
            if (section.StartsWith('$') || section == "correlationId")
            {
                continue;
            }

            if (section is not ("shelves" or "pump"))
            {
                return $"unknown setting '{section}' (known: shelves, pump)";
            }

            if (node is not JsonObject obj || (section == "shelves" && obj.Any(kv => kv.Value is not JsonObject)))
            {
                return section == "shelves" ? "\"shelves\" must be an object of shelf id to settings" : "\"pump\" must be {\"ratePerSecond\": r}";
            }
        }

        return "malformed desired configuration";
    }

    // Validates one flattened setting and returns how to apply it, or why it cannot be.
    private string? Plan(string key, JsonNode? value, out Func<Task>? change)
    {
        change = null;
        string[] path = key.Split('.');
        switch (path)
        {
            case ["shelves", string id, "lowStockThreshold"]:
                if (_shelves.Find(id) is null)
                {
                    return $"no shelf '{id}'";
                }

                if (value is not JsonValue t || !t.TryGetValue(out int threshold) || threshold < 0)
                {
                    return $"shelves.{id} must be {{\"lowStockThreshold\": n}} with n >= 0";
                }

                change = () => _shelves.OnReaderAsync(() =>
                {
                    _shelves.Find(id)!.SetLowStockThreshold(threshold);
                    return true;
                });
                return null;

            case ["shelves", string id, _]:
                return _shelves.Find(id) is null ? $"no shelf '{id}'" : $"shelves.{id} must be {{\"lowStockThreshold\": n}} with n >= 0";

            case ["pump", "ratePerSecond"]:
                if (value is not JsonValue r || !r.TryGetValue(out double rate) || !(rate >= 0) || rate > 100_000)
                {
                    return "\"pump\" must be {\"ratePerSecond\": r} with 0 <= r <= 100000";
                }

                change = () =>
                {
                    _pump.RatePerSecond = rate;
                    return Task.CompletedTask;
                };
                return null;

            case ["pump", ..]:
                return "\"pump\" must be {\"ratePerSecond\": r} with 0 <= r <= 100000";

            default:
                return $"unknown key '{key}' (known: shelves.<id>.lowStockThreshold, pump.ratePerSecond)";
        }
    }

    /// <summary>The settings in force with both versions (<c>desiredVersion</c>, <c>localVersion</c>).</summary>
    public JsonObject Reported()
    {
        var shelves = new JsonObject();
        foreach (SlotPipeline p in _shelves.Pipelines)
        {
            shelves[p.Slot.ShelfId] = new JsonObject { ["lowStockThreshold"] = p.Slot.LowStockThreshold };
        }

        return new JsonObject
        {
            ["desiredVersion"] = _repository.DesiredVersion,
            ["localVersion"] = _repository.LocalVersion,
            ["shelves"] = shelves,
            ["pump"] = new JsonObject { ["ratePerSecond"] = _pump.RatePerSecond },
        };
    }

    private void RaiseChanged()
    {
        try
        {
            Changed?.Invoke();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Reporting is best effort; the settings themselves are applied and stored.
        }
    }
}
