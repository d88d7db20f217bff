using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Edge.Cloud.Probe;
using Edge.Drivers.Clock;
using Edge.Gateway.Clock;
using Edge.Gateway.Cloud;
using Edge.Gateway.Diagnostics;
using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;

namespace Edge.Gateway.Cli;

/// <summary>
/// <c>diag</c>: the machine's checks (GPIO, Bluetooth, clock, disk, databases, SD card), then each HX711 as the
/// running gateway reads it, the cloud connection (a real one, with TLS) and the outbox. One line per check, or
/// <c>--json</c>; exit 0 only when no check failed.
/// </summary>
internal static class DiagVerb
{
    /// <summary>Rejected frames beyond this share of all frames is a warning; beyond five times it, a failure.</summary>
    private const double RejectionWarn = 0.02;

    /// <summary>The oldest waiting message older than this is a warning: the cloud is not taking what the store sends.</summary>
    private static readonly TimeSpan OldestWarn = TimeSpan.FromMinutes(15);

    public static Command Build()
    {
        var timeout = new Option<double>("--timeout") { Description = "Seconds the cloud connection check may take", DefaultValueFactory = _ => 15 };
        var command = GatewayLink.WithCommonOptions(new Command("diag", "Check the gateway: GPIO and each HX711, Bluetooth, the cloud (TLS included), clock and RTC (which to trust), disk, databases, SD card, outbox.") { timeout });
        Verb.Action(command, async (parse, ct) =>
        {
            using GatewayLink link = GatewayLink.Open(parse);
            var checks = new List<DiagCheck>(SystemChecks.All(link.DataDir));
            checks.AddRange(await Hx711Async(link, ct));
            IConfigurationRoot configuration = ConfigurationLayers.Build(link.DataDir, link.Overrides);
            GatewayConfiguration? settings = GatewayConfiguration.TryLoad(configuration, out GatewayConfiguration? s, out List<string> problems) ? s : null;
            checks.Add(settings is null
                ? new DiagCheck("config", CheckStatus.Fail, "the gateway would not start: " + string.Join("; ", problems))
                : new DiagCheck("config", CheckStatus.Ok, $"valid: store {settings.Store.Id}, gateway {settings.Gateway.Id}, {settings.Shelves.Count} shelves configured, cloud {settings.Cloud.Mode}"));
            if (settings is not null)
            {
                checks.Add(await CloudAsync(settings, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct));
            }

            checks.Add(await RtcAsync(link, settings, ct));
            checks.Add(await OutboxAsync(link, ct));
            JsonNode json = JsonNode.Parse(DiagReport.ToJson(checks))!;
            return (checks.Any(c => c.Status == CheckStatus.Fail) ? ExitCodes.Refused : ExitCodes.Ok, json, DiagReport.ToLines(checks));
        });
        return command;
    }

    private static async Task<IEnumerable<DiagCheck>> Hx711Async(GatewayLink link, CancellationToken ct)
    {
        if (!link.Online)
        {
            return [new DiagCheck("hx711", CheckStatus.Skip, "the gateway is not running: start it to check each HX711 (it owns the GPIO lines)")];
        }

        JsonArray chips = (await link.CallOkAsync(HttpMethod.Get, "hx711", cancellationToken: ct))!.AsArray();
        if (chips.Count == 0)
        {
            return [new DiagCheck("hx711", CheckStatus.Warn, "no shelves are configured: add them with 'edge-gateway shelf add'")];
        }

        return chips.OfType<JsonObject>().Select(c =>
        {
            string id = c["shelfId"]!.ToString();
            int rate = c["dataRate"]!.GetValue<int>(), sps = c["samplesPerSecond"]!.GetValue<int>();
            long? accepted = c["accepted"]?.GetValue<long>(), rejected = c["rejected"]?.GetValue<long>();
            double? share = c["rejectionRate"]?.GetValue<double>();
            var data = new Dictionary<string, object?> { ["shelfId"] = id, ["dataRate"] = rate, ["samplesPerSecond"] = sps, ["accepted"] = accepted, ["rejected"] = rejected, ["rejectionRate"] = share };
            string figures = string.Create(CultureInfo.InvariantCulture, $"{sps}/{rate} SPS, frames {accepted ?? 0} accepted, {rejected ?? 0} rejected ({(share ?? 0) * 100:F2} %)");
            (CheckStatus status, string detail) = c["answering"]!.GetValue<bool>() is false
                ? (CheckStatus.Fail, $"shelf {id}: the HX711 does not answer (check DOUT/SCK wiring and power); {figures}")
                : share > 5 * RejectionWarn ? (CheckStatus.Fail, $"shelf {id}: {figures}: most frames are unusable (wiring, interference or a loaded CPU)")
                : share > RejectionWarn || sps < rate * 0.8 ? (CheckStatus.Warn, $"shelf {id}: {figures}")
                : (CheckStatus.Ok, $"shelf {id}: {figures}");
            return new DiagCheck("hx711", status, detail, data);
        }).ToList();
    }

    // Which clock to trust: the running gateway's own verdict (it owns the RTC and has followed it), else the RTC read here.
    private static async Task<DiagCheck> RtcAsync(GatewayLink link, GatewayConfiguration? settings, CancellationToken ct)
    {
        string trust, advice;
        bool rtcFaulted;
        DateTimeOffset build = StoreClock.ReadBuildDate();
        if (link.Online)
        {
            JsonNode keeper = (await link.CallOkAsync(HttpMethod.Get, "clock", cancellationToken: ct))!["keeper"]!;
            if (keeper["rtc"] is null)
            {
                return new DiagCheck("rtc", CheckStatus.Skip, "no RTC (Rtc:Enabled is false): after a power cut with no network the clock starts where it stopped");
            }

            DateTimeOffset? utc = keeper["rtc"]!["utc"]?.GetValue<DateTimeOffset>();
            (trust, advice, rtcFaulted) = (keeper["trust"]!.ToString(), keeper["advice"]!.ToString(), RtcUnusable(keeper["rtc"]!["fault"] is not null, utc, build));
        }
        else if (settings?.Rtc is { Enabled: true } options)
        {
            using IRtc rtc = ClockRegistration.Open(options, simulate: false);
            RtcReading reading = rtc.Read();
            ClockVerdict verdict = ClockJudge.Judge(TimeProvider.System.GetUtcNow(), ClockRegistration.NtpSynchronised() == true, reading, options.Tolerance, build, atStart: false);
            (trust, advice, rtcFaulted) = (verdict.Trust.ToString().ToLowerInvariant(), verdict.Advice, RtcUnusable(reading.Fault is not null, reading.Utc, build));
        }
        else
        {
            return new DiagCheck("rtc", CheckStatus.Skip, "no RTC (Rtc:Enabled is false): after a power cut with no network the clock starts where it stopped");
        }

        var data = new Dictionary<string, object?> { ["trust"] = trust, ["advice"] = advice };
        CheckStatus status = trust == "neither" ? CheckStatus.Fail : rtcFaulted ? CheckStatus.Warn : CheckStatus.Ok;
        return new DiagCheck("rtc", status, advice, data);
    }

    /// <summary>
    /// An RTC that is not used is a warning, whatever the clock goes by meanwhile: one that reports a fault, or reads a
    /// time before this build or more than <see cref="ClockJudge.PlausibleYearsAfterBuild"/> years after it.
    /// </summary>
    internal static bool RtcUnusable(bool faulted, DateTimeOffset? utc, DateTimeOffset buildDate) =>
        faulted || (utc is { } t && !ClockJudge.Plausible(t, buildDate));

    private static async Task<DiagCheck> CloudAsync(GatewayConfiguration settings, TimeSpan timeout, CancellationToken ct)
    {
        ProbeReport report;
        switch (settings.Cloud.Mode)
        {
            case CloudMode.None:
                return new DiagCheck("cloud", CheckStatus.Skip, "Cloud:Mode is None: nothing is sent (provision with 'edge-gateway provision')");
            case CloudMode.Mqtt:
                report = await ProvisionVerb.ProbeAsGatewayAsync(settings.Cloud.Mqtt, settings, timeout, ct);
                break;
            default:
                report = await ConnectionProbe.ProbeIotHubAsync(settings.Cloud.IotHub, timeout, ct);
                break;
        }

        var data = new Dictionary<string, object?> { ["stages"] = report.Stages.Select(s => new { stage = s.Stage.ToString(), outcome = s.Outcome.ToString().ToLowerInvariant(), elapsedMs = s.ElapsedMs, code = s.Code }).ToList() };
        return report.Succeeded
            ? new DiagCheck("cloud", CheckStatus.Ok, string.Create(CultureInfo.InvariantCulture, $"{settings.Cloud.Mode}: {string.Join(", ", report.Stages.Where(s => s.Outcome == StageOutcome.Ok).Select(s => s.Stage.ToString().ToLowerInvariant()))} ok in {report.ElapsedMs} ms"), data)
            : new DiagCheck("cloud", CheckStatus.Fail, $"{settings.Cloud.Mode}: {report.FailedStage} failed: {report.Failure?.Detail} [{report.Code}]", data);
    }

    private static async Task<DiagCheck> OutboxAsync(GatewayLink link, CancellationToken ct)
    {
        JsonObject status;
        try
        {
            status = link.Online
                ? (JsonObject)(await link.CallOkAsync(HttpMethod.Get, "outbox", cancellationToken: ct))!
                : OperatorVerbs.OfflineStatus(link);
        }
        catch (CliException ex)
        {
            return new DiagCheck("outbox", CheckStatus.Fail, ex.Message);
        }

        if (status["note"] is { } note)
        {
            return new DiagCheck("outbox", CheckStatus.Skip, note.ToString());
        }

        long waiting = status["waiting"]!.GetValue<long>(), dead = status["deadLetters"]?.GetValue<long>() ?? 0;
        double? age = status["oldestAgeSeconds"]?.GetValue<double>();
        string detail = string.Create(CultureInfo.InvariantCulture, $"{waiting} waiting, oldest {(age is { } a ? TimeSpan.FromSeconds(a).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "-")}, {status["dropped"] ?? 0} dropped, {dead} dead letters");
        var data = new Dictionary<string, object?> { ["waiting"] = waiting, ["oldestAgeSeconds"] = age, ["deadLetters"] = dead };
        return age > OldestWarn.TotalSeconds || dead > 0
            ? new DiagCheck("outbox", CheckStatus.Warn, detail + (dead > 0 ? " ('edge-gateway outbox status' lists them)" : ": the cloud is not taking messages"), data)
            : new DiagCheck("outbox", CheckStatus.Ok, detail, data);
    }
}
