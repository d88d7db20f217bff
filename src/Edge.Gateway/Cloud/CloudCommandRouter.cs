using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text.Unicode;
using Edge.Cloud.Transport;
using Edge.Gateway.Commands;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;

namespace Edge.Gateway.Cloud;

/// <summary>
/// Turns what the cloud sends, whatever the transport, into the gateway's typed commands and answers with their result
/// (the reply carries the correlation id); desired configuration goes to <see cref="LiveSettings"/> and the settings in
/// force are reported back on every connect and every change. A malformed payload is answered with an error and
/// changes nothing.
/// </summary>
public sealed class CloudCommandRouter
{
    private const string Known = "tare, recalibrate, set-config, resync, restart-sampler";
    private readonly CommandDispatcher _commands;
    private readonly LiveSettings _settings;
    private readonly ICloudTransport _transport;
    private readonly Edge.Cloud.Outbox.DurableOutbox _outbox;
    private readonly ILogger<CloudCommandRouter> _logger;
    private long _rejected;

    /// <summary>Created by DI.</summary>
    public CloudCommandRouter(CommandDispatcher commands, LiveSettings settings, ICloudTransport transport, Edge.Cloud.Outbox.DurableOutbox outbox, ILogger<CloudCommandRouter> logger)
    {
        _commands = commands;
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _logger = logger;

        // The reported configuration is retained on the broker and read by the cloud: publish it on every connect and
        // after every change, not only after a desired change.
        _transport.ConnectionChanged += (up, reason) =>
        {
            if (up)
            {
                _ = Task.Run(ReportQuietlyAsync);
            }
        };
        _settings.Changed += () => _ = Task.Run(ReportQuietlyAsync);
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
                await message.Reply(Reply(CommandResult.Failed(CommandOutcome.Invalid, "payload is not valid UTF-8")), CancellationToken.None);
            }

            return;
        }

        switch (message.Kind)
        {
            case InboundKind.Command:
                await message.Reply(Reply(await ExecuteAsync(message.Name, message.Payload)), CancellationToken.None);
                break;

            case InboundKind.DesiredConfig:
                (int status, JsonObject report) = await _settings.ApplyDesiredAsync(message.Payload);
                if (status != 200)
                {
                    Interlocked.Increment(ref _rejected);
                    if (message.CorrelationId is not null)
                    {
                        await message.Reply(new CloudReply(status, JsonSerializer.SerializeToUtf8Bytes(report)), CancellationToken.None);
                    }
                }

                break;

            case InboundKind.Data:
                CommandResult stored = await _commands.SendAsync(new ApplyStoreData(message.Name, message.Payload), CommandSource.Cloud);
                if (stored.Outcome == CommandOutcome.Invalid)
                {
                    Interlocked.Increment(ref _rejected);
                }

                if (stored.Body["snapshotRequested"]?.GetValue<bool>() == true)
                {
                    // The gateway keeps what it has and asks for the whole kind again, once per gap.
                    await _outbox.EnqueueAsync(StoreDataCloudMessages.SnapshotRequested(message.Name, stored.Body["storedVersion"]?.GetValue<long>(), stored.Error!));
                }

                if (message.CorrelationId is not null)
                {
                    await message.Reply(Reply(stored), CancellationToken.None);
                }

                break;
        }
    }

    /// <summary>Parses a command's JSON arguments, runs it, and returns its result (never throws for bad input).</summary>
    public async Task<CommandResult> ExecuteAsync(string name, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!Utf8.IsValid(payload))
        {
            return CommandResult.Failed(CommandOutcome.Invalid, "payload is not valid UTF-8");
        }

        JsonElement args;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(payload.Length == 0 ? "{}"u8.ToArray() : payload, new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return CommandResult.Failed(CommandOutcome.Invalid, "command payload must be a JSON object");
            }

            args = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return CommandResult.Failed(CommandOutcome.Invalid, "command payload is not JSON: " + ex.Message);
        }

        try
        {
            return name switch
            {
                "tare" => await _commands.SendAsync(new TareShelf(Text(args, "shelfId")), CommandSource.Cloud),
                "recalibrate" => await _commands.SendAsync(new RecalibrateShelf(Text(args, "shelfId"), new Calibration(Number(args, "rawZero"), Number(args, "gramsZero"), Number(args, "rawSpan"), Number(args, "gramsSpan"))), CommandSource.Cloud),
                "set-config" => await _commands.SendAsync(new SetLiveSetting(Text(args, "key"), args.TryGetProperty("value", out JsonElement v) ? JsonNode.Parse(v.GetRawText()) : throw new ArgumentException("\"value\" is required")), CommandSource.Cloud),
                "resync" => await _commands.SendAsync(new ResyncStockLevels(), CommandSource.Cloud),
                "restart-sampler" => await _commands.SendAsync(new RestartSampler(), CommandSource.Cloud),
                _ => CommandResult.Failed(CommandOutcome.Invalid, $"unknown command '{name}' (known: {Known})"),
            };
        }
        catch (ArgumentException ex)
        {
            return CommandResult.Failed(CommandOutcome.Invalid, ex.Message);
        }
    }

    private static CloudReply Reply(CommandResult result) => new((int)result.Outcome, JsonSerializer.SerializeToUtf8Bytes(result.Body));

    private static string Text(JsonElement args, string name)
    {
        if (!args.TryGetProperty(name, out JsonElement v) || v.ValueKind != JsonValueKind.String)
        {
            throw new ArgumentException($"\"{name}\" must be a string");
        }

        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A lone UTF-16 surrogate escape ("\ud800") is valid JSON but no text.
            throw new ArgumentException($"\"{name}\" is not valid Unicode (a lone surrogate escape)");
        }
    }

    private static double Number(JsonElement args, string name) =>
        args.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) ? d : throw new ArgumentException($"\"{name}\" must be a number");

    private async Task ReportQuietlyAsync()
    {
        JsonObject reported = _settings.Reported();
        reported.Remove("desiredVersion");
        try
        {
            await _transport.ReportAsync(_settings.DesiredVersion, reported, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Edge.Cloud.Mqtt.CloudUnavailableException or TimeoutException or OperationCanceledException)
        {
            // Reported again on the next connect or change; the applied state itself is stored.
            CloudLog.ReportFailed(_logger, ex.Message);
        }
    }
}
