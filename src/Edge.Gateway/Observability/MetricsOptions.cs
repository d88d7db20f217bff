using Edge.Gateway.Hosting;

namespace Edge.Gateway.Observability;

/// <summary>Section <c>Metrics</c>: where the gateway's OpenTelemetry metrics go (a Prometheus scrape, OTLP, both or neither).</summary>
public sealed class MetricsOptions
{
    /// <summary>The two OTLP protocols the exporter speaks, as OpenTelemetry spells them (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
    public static readonly string[] Protocols = ["grpc", "http/protobuf"];

    /// <summary>Serve <c>GET /metrics</c> in the Prometheus text format.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>An OTLP collector's absolute http(s) URL; empty: no OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>Seconds between two OTLP exports (a scrape sets its own pace).</summary>
    public int ExportIntervalSeconds { get; set; } = 60;

    /// <summary>The collector's URL, or null when OTLP is off.</summary>
    public Uri? Otlp => string.IsNullOrWhiteSpace(OtlpEndpoint) ? null : new Uri(OtlpEndpoint.Trim(), UriKind.Absolute);
}

/// <summary>Checks <c>Metrics</c>, naming each bad key.</summary>
internal sealed class MetricsOptionsValidator(BindingProblems binding) : SectionValidator<MetricsOptions>(binding)
{
    protected override IEnumerable<string> Problems(MetricsOptions o)
    {
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint)
            && !(Uri.TryCreate(o.OtlpEndpoint.Trim(), UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0))
        {
            yield return $"Metrics:OtlpEndpoint must be empty or an absolute http:// or https:// URL, not '{o.OtlpEndpoint}'";
        }

        if (!MetricsOptions.Protocols.Contains(o.OtlpProtocol, StringComparer.Ordinal))
        {
            yield return $"Metrics:OtlpProtocol must be grpc or http/protobuf, not '{o.OtlpProtocol}'";
        }

        if (o.ExportIntervalSeconds is < 5 or > 3600)
        {
            yield return "Metrics:ExportIntervalSeconds must be from 5 to 3600";
        }
    }
}
