using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;
using Edge.Gateway.Beacons;
using Edge.Gateway.Hosting;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Edge.Gateway.Observability;

/// <summary>
/// Registers observability: the gateway's OpenTelemetry metrics (one meter, <see cref="MeterName"/>), exported on a
/// Prometheus scrape endpoint (<c>GET /metrics</c>) and, when <c>Metrics:OtlpEndpoint</c> is set, over OTLP; and the
/// health summary sent to the cloud.
/// </summary>
public static class ObservabilityRegistration
{
    /// <summary>The one meter every area's instruments are created on (through <see cref="System.Diagnostics.Metrics.IMeterFactory"/>).</summary>
    public const string MeterName = "Edge.Gateway";

    /// <summary>The Prometheus scrape path.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// Longest an OTLP export may take, retries included. A collector that accepts TCP and never answers costs its
    /// export this long on the exporter's own thread, and the gateway's shutdown at most this long once.
    /// </summary>
    public const int OtlpTimeoutMilliseconds = 3000;

    /// <summary>Binds <c>Metrics</c>, validated at start.</summary>
    public static IServiceCollection AddMetricsOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<MetricsOptions, MetricsOptionsValidator>("Metrics").Services;

    /// <summary>Adds the instruments, the exporters <c>Metrics</c> asks for, and the health summary's publisher.</summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddMetricsOptions();
        services.AddSingleton(sp => new GatewayInstruments(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ShelfService>(), sp.GetRequiredService<BeaconService>(), sp.GetRequiredService<SignageHub>(), sp.GetService<DurableOutbox>(), sp.GetService<ICloudTransport>()));
        services.AddSingleton(sp => new HealthSummary(sp.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>(), sp.GetRequiredService<ShelfService>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<DurableOutbox>()));
        services.AddSingleton(sp => new HealthPublisher(sp.GetRequiredService<HealthSummary>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ICloudTransport>()));
        services.AddHostedService(sp => sp.GetRequiredService<HealthPublisher>());

        // The section was validated before the host was built (GatewayConfiguration.TryLoad): bound here the same way,
        // because which exporters exist is decided while registering.
        var metrics = new MetricsOptions();
        _ = OptionsBinding.Bind(builder.Configuration.GetSection("Metrics"), metrics);
        if (!metrics.Prometheus && metrics.Otlp is null)
        {
            return builder; // nobody listens: the instruments cost a null check each
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddDetector(sp => new GatewayResource(sp)))
            .WithMetrics(m =>
            {
                m.AddMeter(MeterName);
                if (metrics.Prometheus)
                {
                    m.AddPrometheusExporter();
                }

                if (metrics.Otlp is { } endpoint)
                {
                    m.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Protocol = metrics.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                        exporter.Endpoint = OtlpUrl(endpoint, exporter.Protocol);
                        exporter.TimeoutMilliseconds = OtlpTimeoutMilliseconds;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = metrics.ExportIntervalSeconds * 1000;
                        reader.PeriodicExportingMetricReaderOptions.ExportTimeoutMilliseconds = OtlpTimeoutMilliseconds;
                    });
                }
            });
        return builder;
    }

    /// <summary>Creates the observable instruments and maps <c>GET /metrics</c> (with <c>Metrics:Prometheus</c>).</summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.Services.GetRequiredService<GatewayInstruments>();
        if (app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(ScrapePath);
        }

        return app;
    }

    /// <summary>
    /// The collector URL as given, or, for http/protobuf with no path, with the metrics signal's path added
    /// (<c>/v1/metrics</c>), as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is read: an endpoint set in code is used verbatim.
    /// </summary>
    internal static Uri OtlpUrl(Uri endpoint, OtlpExportProtocol protocol) =>
        protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "/v1/metrics") : endpoint;

    // Which gateway the metrics are from, as the cloud names it: the store and gateway ids, nothing personal.
    private sealed class GatewayResource(IServiceProvider services) : IResourceDetector
    {
        public Resource Detect()
        {
            string store = services.GetRequiredService<IOptions<StoreOptions>>().Value.Id;
            string gateway = services.GetRequiredService<IOptions<GatewayOptions>>().Value.Id;
            return new Resource(new Dictionary<string, object>
            {
                ["service.name"] = "edge-gateway",
                ["service.instance.id"] = $"{store}-{gateway}",
                ["edge.store.id"] = store,
                ["edge.gateway.id"] = gateway,
            });
        }
    }
}
