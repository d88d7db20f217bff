using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Shelves;
using Edge.Gateway.Storage;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Executes what the cloud sends, whatever the transport: commands (with a reply carrying the correlation id),
/// desired configuration (reconciled by <c>$version</c>, applied live and reported back) and store data
/// (versioned, idempotent). A malformed payload is answered with an error and changes nothing.
/// </summary>
/// <remarks>
/// Live settings have two writers: the cloud's desired configuration, versioned by the cloud, and local changes
/// (<c>set-config</c>), counted by a local version. A desired configuration supersedes the local changes of the
/// settings it names; both versions are reported.
/// </remarks>
public sealed class CloudCommandRouter
{
    /// <summary>Largest desired <c>$version</c> accepted: the largest integer a JSON number holds exactly everywhere.</summary>
    public const long MaxVersion = (1L << 53) - 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ShelfService _shelves;
    private readonly ShelfStore _store;
    private readonly StoreDataStore _storeData;
    private readonly DurableOutbox _outbox;
    private readonly PumpOptions _pump;
    private readonly DesiredConfigStore _desired;
    private readonly ICloudTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger<CloudCommandRouter> _logger;
    private long _rejected;

    /// <summary>Created by DI.</summary>
    public CloudCommandRouter(ShelfService shelves, ShelfStore store, StoreDataStore storeData, DurableOutbox outbox, PumpOptions pump, DesiredConfigStore desired, ICloudTransport transport, TimeProvider time, ILogger<CloudCommandRouter> logger)
    {
        _shelves = shelves;
        _store = store;
        _storeData = storeData;
        _outbox = outbox;
        _pump = pump;
        _desired = desired;
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _time = time;
        _logger = logger;

        // The reported configuration is retained on the broker and read by the cloud: publish it on every connect,
        // not only after a change.
        _transport.ConnectionChanged += (up, reason) =>
        {
            if (up)
            {
                _ = Task.Run(ReportQuietlyAsync);
            }
        };
    }

    /// <summary>Inbound messages refused as malformed (not JSON, not UTF-8, wrong shape), answered or not.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Handles one inbound message. Never throws for what the message holds.</summary>
    public async Task HandleAsync(CloudInbound message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Utf8.IsValid(message.Payload))
        {
            Interlocked.Increment(ref _rejected);
            if (message.Kind == InboundKind.Command || message.CorrelationId is not null)
            {
                await message.Reply(Error(400, "payload is not valid UTF-8"), CancellationToken.None);
            }

            return;
        }

        switch (message.Kind)
        {
            case InboundKind.Command:
                CloudReply reply = await ExecuteAsync(message.Name, message.Payload);
                await message.Reply(reply, CancellationToken.None);
                break;

            case InboundKind.DesiredConfig:
                (int status, JsonObject report) = await ApplyDesiredAsync(message.Payload);
                if (status == 200)
                {
                    await ReportQuietlyAsync();
                }
                else
                {
                    Interlocked.Increment(ref _rejected);
                    if (message.CorrelationId is not null)
                    {
                        await message.Reply(new CloudReply(status, JsonSerializer.SerializeToUtf8Bytes(report)), CancellationToken.None);
                    }
                }

                break;

            case InboundKind.StoreData:
                (StoreDataStore.Outcome outcome, string text) = ApplyStoreData(message.Name, message.Payload);
                if (outcome == StoreDataStore.Outcome.Rejected)
                {
                    Interlocked.Increment(ref _rejected);
                }

                if (message.CorrelationId is not null)
                {
                    int code = outcome switch
                    {
                        StoreDataStore.Outcome.Rejected => 400,
                        StoreDataStore.Outcome.Unavailable => 503,
                        _ => 200,
                    };
                    await message.Reply(new CloudReply(code, Body(code == 200 ? "result" : "error", text)), CancellationToken.None);
                }

                break;
        }
    }

    /// <summary>Runs a command and returns the reply (never throws for bad input).</summary>
    public async Task<CloudReply> ExecuteAsync(string name, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!Utf8.IsValid(payload))
        {
            return Error(400, "payload is not valid UTF-8");
        }

        JsonElement args;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(payload.Length == 0 ? "{}"u8.ToArray() : payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Error(400, "command payload must be a JSON object");
            }

            args = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Error(400, "command payload is not JSON: " + ex.Message);
        }

        try
        {
            return name switch
            {
                "tare" => await TareAsync(args),
                "recalibrate" => await RecalibrateAsync(args),
                "set-config" => await SetConfigAsync(args),
                "resync" => await ResyncAsync(),
                "restart-sampler" => Ok(new JsonObject { ["chips"] = await _shelves.RestartSamplerAsync() }),
                _ => Error(400, $"unknown command '{name}' (known: tare, recalibrate, set-config, resync, restart-sampler)"),
            };
        }
        catch (ArgumentException ex)
        {
            return Error(400, ex.Message);
        }
        catch (KeyNotFoundException ex)
        {
            return Error(404, $"no shelf '{ex.Message}'");
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
        {
            return Error(503, "storage unavailable: " + ex.Message);
        }
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

        if (version <= _desired.DesiredVersion)
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

        foreach (Func<Task> change in changes)
        {
            await change();
        }

        try
        {
            _desired.SaveDesired(version, desired.ToJsonString(), [.. settings.Select(s => s.Key)]);
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
        {
            // Applied but not stored: a restart would forget it, so do not claim the version.
            return (503, new JsonObject { ["error"] = "applied, but storage is unavailable: " + ex.Message, ["$version"] = version });
        }

        return (200, Reported());
    }

    /// <summary>Re-applies the stored desired configuration and then the local changes at start, so a restart keeps both.</summary>
    public async Task RestoreDesiredAsync()
    {
        (string? desiredJson, JsonObject local) = _desired.Load();
        var settings = new List<(string Key, JsonNode? Value)>();
        if (desiredJson is not null && JsonNode.Parse(desiredJson) is JsonObject desired && Flatten(desired) is { } fromCloud)
        {
            settings.AddRange(fromCloud);
        }

        settings.AddRange(local.Select(kv => (kv.Key, kv.Value)));
        foreach ((string key, JsonNode? value) in settings)
        {
            // A setting that no longer fits (its shelf was removed from the layout) is skipped, not fatal.
            if (Plan(key, value, out Func<Task>? change) is null)
            {
                await change!();
            }
            else
            {
                CloudLog.StoredSettingSkipped(_logger, key);
            }
        }
    }

    private (StoreDataStore.Outcome, string) ApplyStoreData(string kind, byte[] payload)
    {
        try
        {
            return _storeData.Apply(kind, payload, _time.GetUtcNow());
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
        {
            return (StoreDataStore.Outcome.Unavailable, "storage unavailable: " + ex.Message);
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

    private async Task<CloudReply> TareAsync(JsonElement args)
    {
        SlotPipeline pipeline = Shelf(args);
        (double? tare, string? refusal) = await _shelves.OnReaderAsync(() => pipeline.TareRefusal() is { } why ? ((double?)null, why) : (pipeline.Tare(), null));
        return tare is null
            ? Error(409, $"shelf '{pipeline.Slot.ShelfId}' {refusal ?? "cannot be tared now"}")
            : Ok(new JsonObject { ["shelfId"] = pipeline.Slot.ShelfId, ["tareGrams"] = Math.Round(tare.Value, 1) });
    }

    private async Task<CloudReply> RecalibrateAsync(JsonElement args)
    {
        SlotPipeline pipeline = Shelf(args);
        var calibration = new Calibration(Number(args, "rawZero"), Number(args, "gramsZero"), Number(args, "rawSpan"), Number(args, "gramsSpan"));
        if (calibration.Problem() is { } problem)
        {
            return Error(400, problem);
        }

        _store.SaveCalibration(pipeline.Slot.ShelfId, calibration);
        await _shelves.OnReaderAsync(() =>
        {
            pipeline.Recalibrate(calibration, pipeline.TareGrams);
            return true;
        });
        return Ok(new JsonObject { ["shelfId"] = pipeline.Slot.ShelfId, ["gramsPerCount"] = calibration.GramsPerCount });
    }

    private async Task<CloudReply> SetConfigAsync(JsonElement args)
    {
        // set-config {"key": "shelves.S-01.lowStockThreshold", "value": 4} changes one setting locally.
        string key = args.TryGetProperty("key", out JsonElement k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : throw new ArgumentException("\"key\" must be a string");
        if (!args.TryGetProperty("value", out JsonElement value))
        {
            throw new ArgumentException("\"value\" is required");
        }

        JsonNode? node = JsonNode.Parse(value.GetRawText());
        if (Plan(key, node, out Func<Task>? change) is { } problem)
        {
            return Error(400, problem);
        }

        await change!();
        _desired.SaveLocal(key, node);
        await ReportQuietlyAsync();
        return Ok(Reported());
    }

    private async Task<CloudReply> ResyncAsync()
    {
        // A full picture of stock as telemetry; superseded levels of the same shelf coalesce if the link is down.
        var tasks = _shelves.Pipelines.Select(p => _outbox.EnqueueAsync(new OutboxEntry(
            "stock-levels",
            "StockLevel",
            MessageClass.Telemetry,
            JsonSerializer.SerializeToUtf8Bytes(new { shelfId = p.Slot.ShelfId, sku = p.Slot.Sku, count = p.HasCount ? p.Count : (int?)null, status = p.Status.ToString().ToLowerInvariant() }, Json),
            CoalesceKey: "level:" + p.Slot.ShelfId))).ToList();
        await Task.WhenAll(tasks);
        return Ok(new JsonObject { ["shelves"] = tasks.Count });
    }

    private SlotPipeline Shelf(JsonElement args)
    {
        string id = args.TryGetProperty("shelfId", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new ArgumentException("\"shelfId\" must be a string");
        return _shelves.Find(id) ?? throw new KeyNotFoundException(id);
    }

    private static double Number(JsonElement args, string name) =>
        args.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) ? d : throw new ArgumentException($"\"{name}\" must be a number");

    // The settings in force; the transport adds the desired version in its cloud's form.
    private JsonObject Reported()
    {
        var shelves = new JsonObject();
        foreach (SlotPipeline p in _shelves.Pipelines)
        {
            shelves[p.Slot.ShelfId] = new JsonObject { ["lowStockThreshold"] = p.Slot.LowStockThreshold };
        }

        return new JsonObject
        {
            ["desiredVersion"] = _desired.DesiredVersion,
            ["localVersion"] = _desired.LocalVersion,
            ["shelves"] = shelves,
            ["pump"] = new JsonObject { ["ratePerSecond"] = _pump.RatePerSecond },
        };
    }

    private async Task ReportQuietlyAsync()
    {
        JsonObject reported = Reported();
        reported.Remove("desiredVersion");
        try
        {
            await _transport.ReportAsync(_desired.DesiredVersion, reported, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Edge.Cloud.Mqtt.CloudUnavailableException or TimeoutException or OperationCanceledException)
        {
            // Reported again on the next connect or change; the applied state itself is stored.
            CloudLog.ReportFailed(_logger, ex.Message);
        }
    }

    private static CloudReply Ok(JsonObject body) => new(200, JsonSerializer.SerializeToUtf8Bytes(body));

    private static CloudReply Error(int status, string error) => new(status, Body("error", error));

    private static byte[] Body(string key, string text) => JsonSerializer.SerializeToUtf8Bytes(new JsonObject { [key] = text });
}
