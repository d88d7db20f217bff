using System.Globalization;
using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.Temperature;

/// <summary>The one place temperature events become cloud messages.</summary>
public static class TemperatureCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <c>TemperatureHigh</c> / <c>TemperatureRecovered</c> (stream <c>temperature-alerts</c>, sent first) and
    /// <c>TemperatureRecord</c> (stream <c>temperature-records</c>): a case's day so far. A newer record of the same case
    /// and day replaces one still waiting, and records are kept as long as stock events, so after an outage the cloud
    /// gets every day's last figures.
    /// </summary>
    public static OutboxEntry Of(TemperatureEvent e) => e switch
    {
        CaseAlertRaised { Alert: var a } => new OutboxEntry("temperature-alerts", a.Kind.ToString(), CloudClasses.Alert, JsonSerializer.SerializeToUtf8Bytes(new
        {
            caseId = a.CaseId, since = a.Since, peak = a.Peak, high = a.High, timestamp = a.At,
        }, Json), Timestamp: a.At),
        CaseDayChanged { Day: var d } c => new OutboxEntry("temperature-records", "TemperatureRecord", CloudClasses.Stock, JsonSerializer.SerializeToUtf8Bytes(new
        {
            caseId = d.CaseId, date = d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), min = d.Min, max = d.Max,
            minutesOutOfRange = d.MinutesOutOfRange, minutesFaulted = d.MinutesFaulted, readings = d.Readings, high = c.High, timestamp = c.Timestamp,
        }, Json), CoalesceKey: $"temperature-record:{d.CaseId}:{d.Date:yyyy-MM-dd}", Timestamp: c.Timestamp, SupersedeWaiting: true),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "no cloud message for this event"),
    };
}
