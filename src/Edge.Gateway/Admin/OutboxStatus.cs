using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;

namespace Edge.Gateway.Admin;

/// <summary>
/// What <c>outbox status</c> shows, the same from the running gateway and from the outbox file of a stopped one:
/// depth per class, the oldest waiting message's age, drops over budget (since start), expired, refused, and the
/// dead letters kept in the file (newest first, at most 20 listed).
/// </summary>
public static class OutboxStatus
{
    /// <summary>The status of <paramref name="outbox"/> at <paramref name="now"/>.</summary>
    public static JsonObject Of(DurableOutbox outbox, string mode, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        IReadOnlyList<ClassDepth> depth = outbox.Depth();
        OutboxStats stats = outbox.Stats;
        var deadLetters = outbox.DeadLetters();
        DateTimeOffset? oldest = depth.Where(d => d.Oldest is not null).Select(d => d.Oldest).Min();
        var classes = new JsonArray();
        foreach (ClassDepth d in depth)
        {
            classes.Add(new JsonObject
            {
                ["class"] = d.Class,
                ["waiting"] = d.Waiting,
                ["oldestAgeSeconds"] = Age(d.Oldest, now),
                ["dropped"] = d.Dropped,
            });
        }

        var dead = new JsonArray();
        foreach ((string id, string stream, long seq, string reason, DateTimeOffset at) in deadLetters.Take(20))
        {
            dead.Add(new JsonObject { ["messageId"] = id, ["stream"] = stream, ["seq"] = seq, ["reason"] = reason, ["at"] = at });
        }

        return new JsonObject
        {
            ["mode"] = mode,
            ["waiting"] = depth.Sum(d => d.Waiting),
            ["oldestAgeSeconds"] = Age(oldest, now),
            ["inFlight"] = stats.InFlight,
            ["dropped"] = depth.Sum(d => d.Dropped),
            ["expired"] = stats.Expired,
            ["refused"] = stats.Refused,
            ["deadLetters"] = deadLetters.Count,
            ["classes"] = classes,
            ["recentDeadLetters"] = dead,
        };
    }

    /// <summary>The status when no cloud is configured: nothing is queued.</summary>
    public static JsonObject None() => new() { ["mode"] = "None", ["waiting"] = 0, ["classes"] = new JsonArray(), ["note"] = "Cloud:Mode is None: nothing is queued for the cloud" };

    /// <summary>One line per class and one of totals, for a terminal.</summary>
    public static IEnumerable<string> Lines(JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status["note"] is { } note)
        {
            yield return note.ToString();
            yield break;
        }

        foreach (JsonNode? c in status["classes"]!.AsArray())
        {
            yield return $"{c!["class"],-14} waiting {c["waiting"],7}  oldest {FormatAge(c["oldestAgeSeconds"]),8}  dropped {c["dropped"]}";
        }

        yield return $"{"total",-14} waiting {status["waiting"],7}  oldest {FormatAge(status["oldestAgeSeconds"]),8}  in flight {status["inFlight"]}  expired {status["expired"]}  refused {status["refused"]}  dead letters {status["deadLetters"]}";
    }

    private static double? Age(DateTimeOffset? oldest, DateTimeOffset now) => oldest is { } o ? Math.Round(Math.Max(0, (now - o).TotalSeconds), 1) : null;

    private static string FormatAge(JsonNode? seconds) => seconds is null ? "-" : TimeSpan.FromSeconds(seconds.GetValue<double>()) switch
    {
        { TotalSeconds: < 120 } t => $"{t.TotalSeconds:F0} s",
        { TotalMinutes: < 120 } t => $"{t.TotalMinutes:F0} min",
        var t => $"{t.TotalHours:F1} h",
    };
}
