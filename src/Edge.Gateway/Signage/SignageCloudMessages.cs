using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.Signage;

/// <summary>The one place signage events become cloud messages.</summary>
public static class SignageCloudMessages
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The retained topic name of a screen's content, under the gateway's prefix.</summary>
    public static string StateName(string screenId) => "screens/" + screenId;

    /// <summary><c>ScreenOffline</c> / <c>ScreenOnline</c> on the <c>alerts</c> stream, with the last time a player was seen.</summary>
    public static OutboxEntry Of(ScreenPresenceChanged e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new OutboxEntry("alerts", e.Online ? "ScreenOnline" : "ScreenOffline", CloudClasses.Alert,
            JsonSerializer.SerializeToUtf8Bytes(new { screenId = e.ScreenId, lastSeen = e.LastSeen, timestamp = e.Timestamp }, Json), Timestamp: e.Timestamp);
    }
}
