using System.Text.Json;
using System.Text.Json.Nodes;
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
public sealed class CloudCommandRouter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ShelfService _shelves;
    private readonly ShelfStore _store;
    private readonly StoreDataStore _storeData;
    private readonly DurableOutbox _outbox;
    private readonly PumpOptions _pump;
    private readonly DesiredConfigStore _desired;
    private readonly ICloudTransport _transport;
    private readonly TimeProvider _time;

    /// <summary>Created by DI.</summary>
    public CloudCommandRouter(ShelfService shelves, ShelfStore store, StoreDataStore storeData, DurableOutbox outbox, PumpOptions pump, DesiredConfigStore desired, ICloudTransport transport, TimeProvider time)
    {
        _shelves = shelves;
        _store = store;
        _storeData = storeData;
        _outbox = outbox;
        _pump = pump;
        _desired = desired;
        _transport = transport;
        _time = time;
    }

    /// <summary>Store-data messages rejected as malformed (they have no one to reply to unless they carry a correlation id).</summary>
    public long Rejected { get; private set; }

    /// <summary>Handles one inbound message.</summary>
    public async Task HandleAsync(CloudInbound message)
    {
        ArgumentNullException.ThrowIfNull(message);
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
                    await ReportQuietlyAsync(report);
                }
                else if (message.CorrelationId is not null)
                {
                    await message.Reply(new CloudReply(status, JsonSerializer.SerializeToUtf8Bytes(report)), CancellationToken.None);
                }

                break;

            case InboundKind.StoreData:
                (StoreDataStore.Outcome outcome, string text) = _storeData.Apply(message.Name, message.Payload, _time.GetUtcNow());
                if (outcome == StoreDataStore.Outcome.Rejected)
                {
                    Rejected++;
                }

                if (message.CorrelationId is not null)
                {
                    int code = outcome == StoreDataStore.Outcome.Rejected ? 400 : 200;
                    await message.Reply(new CloudReply(code, Body(outcome == StoreDataStore.Outcome.Rejected ? "error" : "result", text)), CancellationToken.None);
                }

                break;
        }
    }

    /// <summary>Runs a command and returns the reply (never throws for bad input).</summary>
    public async Task<CloudReply> ExecuteAsync(string name, byte[] payload)
    {
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
        catch (JsonException ex)
        {
            return (400, new JsonObject { ["error"] = "desired configuration is not a JSON object: " + ex.Message });
        }

        if (desired["$version"] is not JsonValue v || !v.TryGetValue(out long version) || version < 0)
        {
            return (400, new JsonObject { ["error"] = "\"$version\" must be a whole number >= 0" });
        }

        if (version <= _desired.AppliedVersion)
        {
            // Late or repeated: reconciled by version, nothing to do.
            return (200, Reported(_desired.AppliedVersion));
        }

        List<Func<Task>> changes = [];
        foreach ((string key, JsonNode? node) in desired)
        {
            string? problem = key switch
            {
                "$version" or "correlationId" => null, // correlationId: how a 3.1.1 client asks for a reply
                "shelves" => PlanShelves(node, changes),
                "pump" => PlanPump(node, changes),
                _ => $"unknown setting '{key}' (known: shelves, pump)",
            };
            if (problem is not null)
            {
                return (400, new JsonObject { ["error"] = problem, ["$version"] = version });
            }
        }

        foreach (Func<Task> change in changes)
        {
            await change();
        }

        _desired.Save(version, desired.ToJsonString());
        return (200, Reported(version));
    }

    /// <summary>Re-applies the stored desired configuration at start, so a restart keeps what the cloud set.</summary>
    public async Task RestoreDesiredAsync()
    {
        if (_desired.Load() is { } stored)
        {
            long version = stored.Version;
            _desired.Reset();
            await ApplyDesiredAsync(System.Text.Encoding.UTF8.GetBytes(stored.Json));
            if (_desired.AppliedVersion != version)
            {
                _desired.Save(version, stored.Json);
            }
        }
    }

    private string? PlanShelves(JsonNode? node, List<Func<Task>> changes)
    {
        if (node is not JsonObject shelves)
        {
            return "\"shelves\" must be an object of shelf id to settings";
        }

        foreach ((string id, JsonNode? settings) in shelves)
        {
            if (_shelves.Find(id) is null)
            {
                return $"no shelf '{id}'";
            }

            if (settings is not JsonObject s || s.Count != 1 || s["lowStockThreshold"] is not JsonValue t || !t.TryGetValue(out int threshold) || threshold < 0)
            {
                return $"shelves.{id} must be {{\"lowStockThreshold\": n}} with n >= 0";
            }

            changes.Add(() => _shelves.OnReaderAsync(() => { _shelves.Find(id)!.SetLowStockThreshold(threshold); return true; }));
        }

        return null;
    }

    private string? PlanPump(JsonNode? node, List<Func<Task>> changes)
    {
        if (node is not JsonObject pump || pump.Count != 1 || pump["ratePerSecond"] is not JsonValue r || !r.TryGetValue(out double rate) || !(rate >= 0) || rate > 100_000)
        {
            return "\"pump\" must be {\"ratePerSecond\": r} with 0 <= r <= 100000";
        }

        changes.Add(() =>
        {
            _pump.RatePerSecond = rate;
            return Task.CompletedTask;
        });
        return null;
    }

    private async Task<CloudReply> TareAsync(JsonElement args)
    {
        SlotPipeline pipeline = Shelf(args);
        double? tare = await _shelves.OnReaderAsync(pipeline.Tare);
        return tare is null
            ? Error(409, $"shelf '{pipeline.Slot.ShelfId}' is not still (or is faulted); try again when nothing is moving")
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
        // set-config {"key": "shelves.S-01.lowStockThreshold", "value": 4} is a one-setting desired configuration.
        string key = args.TryGetProperty("key", out JsonElement k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : throw new ArgumentException("\"key\" must be a string");
        if (!args.TryGetProperty("value", out JsonElement value))
        {
            throw new ArgumentException("\"value\" is required");
        }

        string[] path = key.Split('.');
        JsonObject patch = path switch
        {
            ["shelves", string id, "lowStockThreshold"] => new JsonObject { ["shelves"] = new JsonObject { [id] = new JsonObject { ["lowStockThreshold"] = JsonNode.Parse(value.GetRawText()) } } },
            ["pump", "ratePerSecond"] => new JsonObject { ["pump"] = new JsonObject { ["ratePerSecond"] = JsonNode.Parse(value.GetRawText()) } },
            _ => throw new ArgumentException($"unknown key '{key}' (known: shelves.<id>.lowStockThreshold, pump.ratePerSecond)"),
        };
        patch["$version"] = _desired.AppliedVersion + 1;
        (int status, JsonObject report) = await ApplyDesiredAsync(JsonSerializer.SerializeToUtf8Bytes(patch));
        return new CloudReply(status, JsonSerializer.SerializeToUtf8Bytes(report));
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
        args.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new ArgumentException($"\"{name}\" must be a number");

    private JsonObject Reported(long version)
    {
        var shelves = new JsonObject();
        foreach (SlotPipeline p in _shelves.Pipelines)
        {
            shelves[p.Slot.ShelfId] = new JsonObject { ["lowStockThreshold"] = p.Slot.LowStockThreshold };
        }

        return new JsonObject { ["$version"] = version, ["shelves"] = shelves, ["pump"] = new JsonObject { ["ratePerSecond"] = _pump.RatePerSecond } };
    }

    private async Task ReportQuietlyAsync(JsonObject report)
    {
        try
        {
            await _transport.ReportAsync(JsonSerializer.SerializeToUtf8Bytes(report), CancellationToken.None);
        }
        catch (Edge.Cloud.Mqtt.CloudUnavailableException)
        {
            // Reported again after the next desired update or reconnect; the applied state itself is stored.
        }
    }

    private static CloudReply Ok(JsonObject body) => new(200, JsonSerializer.SerializeToUtf8Bytes(body));

    private static CloudReply Error(int status, string error) => new(status, Body("error", error));

    private static byte[] Body(string key, string text) => JsonSerializer.SerializeToUtf8Bytes(new JsonObject { [key] = text });
}
