using System.Text.Json;
using Edge.Gateway.Events;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Hosting;

/// <summary>
/// <c>/healthz</c> (liveness: 503 while anything durable cannot be written) and <c>/readyz</c> (readiness: also every
/// shelf counted). Each area reports for itself through its own <see cref="IHealthCheck"/>; both endpoints answer with
/// the same JSON: <c>status</c>, the store, and every area's detail merged into one object.
/// </summary>
public static class GatewayHealth
{
    /// <summary>Tag of the checks <c>/healthz</c> runs.</summary>
    public const string Live = "live";

    /// <summary>Tag of the checks <c>/readyz</c> adds.</summary>
    public const string Ready = "ready";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Maps both endpoints.</summary>
    public static WebApplication MapGatewayHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz", Options(c => c.Tags.Contains(Live), "healthy", "unhealthy"));
        app.MapHealthChecks("/readyz", Options(c => c.Tags.Contains(Live) || c.Tags.Contains(Ready), "ready", "not ready"));
        return app;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate, string good, string bad) => new()
    {
        Predicate = predicate,
        // A degraded area (a faulted shelf, a disconnected cloud) is reported but the gateway still serves.
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = (context, report) => WriteAsync(context, report, report.Status == HealthStatus.Unhealthy ? bad : good),
    };

    private static async Task WriteAsync(HttpContext context, HealthReport report, string status)
    {
        StoreOptions store = context.RequestServices.GetRequiredService<IOptions<StoreOptions>>().Value;
        EventBus bus = context.RequestServices.GetRequiredService<EventBus>();
        context.Response.ContentType = "application/json; charset=utf-8";
        // Written to memory first: the response stream takes only asynchronous writes.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, report, status, store, bus);
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    private static void Write(Utf8JsonWriter w, HealthReport report, string status, StoreOptions store, EventBus bus)
    {
        w.WriteStartObject();
        w.WriteString("status", status);
        w.WritePropertyName("store");
        JsonSerializer.Serialize(w, new { id = store.Id, name = store.Name }, Json);
        foreach (HealthReportEntry entry in report.Entries.Values)
        {
            foreach ((string key, object value) in entry.Data)
            {
                w.WritePropertyName(key);
                JsonSerializer.Serialize(w, value, value?.GetType() ?? typeof(object), Json);
            }
        }

        w.WritePropertyName("bus");
        JsonSerializer.Serialize(w, bus.Subscribers().Select(s => new { name = s.Name, waiting = s.Waiting, dropped = s.Dropped }), Json);
        w.WriteEndObject();
    }
}
