using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Edge.Gateway.Observability;

/// <summary>
/// The gateway's health in a few lines for the cloud: the overall status of the <c>/healthz</c> checks
/// (<c>healthy</c>, <c>degraded</c>, <c>unhealthy</c>), each area's own status, and the figures an operator looks at
/// first. Statuses and counts only: no error text (it may name hosts or paths), no identity, no secret.
/// A faulted shelf makes the shelves <c>degraded</c> here: their check stays healthy for it (the others keep working,
/// and a degraded check would log a warning on every <c>/healthz</c> poll).
/// </summary>
public sealed class HealthSummary(HealthCheckService checks, ShelfService shelves, TimeProvider time, DurableOutbox? outbox = null)
{
    /// <summary>Runs the checks <c>/healthz</c> runs and summarises them with the figures.</summary>
    public async Task<JsonObject> ReadAsync(CancellationToken cancellationToken)
    {
        HealthReport report = await checks.CheckHealthAsync(c => c.Tags.Contains(GatewayHealth.Live), cancellationToken);
        int faulted = shelves.Pipelines.Count(p => p.Status == SlotStatus.Faulted);
        DateTimeOffset now = time.GetUtcNow();
        (long Pending, long OldestAgeSeconds, long DeadLettered)? waiting = outbox is null
            ? null
            : (outbox.Stats.Pending, outbox.OldestWaiting is { } oldest ? Math.Max(0, (long)(now - oldest).TotalSeconds) : 0, outbox.Stats.DeadLettered);
        var areas = report.Entries.Select(e => (e.Key, e.Key == "shelves" && faulted > 0 && e.Value.Status == HealthStatus.Healthy ? HealthStatus.Degraded : e.Value.Status)).ToList();
        HealthStatus overall = areas.Count == 0 ? HealthStatus.Healthy : areas.Min(a => a.Item2);
        return Of(overall, areas, shelves.Pipelines.Count, faulted, waiting, now);
    }

    /// <summary>The summary's shape: <c>{"status","at","areas":{name:status},"shelves":{"total","faulted"},"outbox":{"pending","oldestAgeSeconds","deadLettered"}}</c> (no <c>outbox</c> without a cloud).</summary>
    public static JsonObject Of(HealthStatus overall, IEnumerable<(string Area, HealthStatus Status)> areas, int shelves, int faulted, (long Pending, long OldestAgeSeconds, long DeadLettered)? outbox, DateTimeOffset at)
    {
        var byArea = new JsonObject();
        foreach ((string area, HealthStatus status) in areas.OrderBy(a => a.Area, StringComparer.Ordinal))
        {
            byArea[area] = Name(status);
        }

        var summary = new JsonObject
        {
            ["status"] = Name(overall),
            ["at"] = at.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["areas"] = byArea,
            ["shelves"] = new JsonObject { ["total"] = shelves, ["faulted"] = faulted },
        };
        if (outbox is { } o)
        {
            summary["outbox"] = new JsonObject { ["pending"] = o.Pending, ["oldestAgeSeconds"] = o.OldestAgeSeconds, ["deadLettered"] = o.DeadLettered };
        }

        return summary;
    }

    /// <summary>What a change means for publishing: a status or a count of faulted shelves, not figures that move all the time.</summary>
    public static string Signature(JsonObject summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return $"{summary["status"]}|{summary["areas"]?.ToJsonString()}|{summary["shelves"]?["faulted"]}";
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
