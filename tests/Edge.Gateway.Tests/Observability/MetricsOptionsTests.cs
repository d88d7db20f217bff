using Edge.Gateway.Hosting;
using Microsoft.Extensions.Configuration;
using Edge.Gateway.Observability;
using Edge.Gateway.Tests.EndToEnd;
using OpenTelemetry.Exporter;

namespace Edge.Gateway.Tests.Observability;

/// <summary><c>Metrics:*</c> is checked with every other section: each bad value named, exit 2.</summary>
public sealed class MetricsOptionsTests
{
    private static List<string> Problems(Dictionary<string, string?> values)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        GatewayConfiguration.TryLoad(configuration, out _, out List<string> problems);
        return problems;
    }

    [Fact]
    public void TheDefaults_AreValid_PrometheusOn_OtlpOff()
    {
        var o = new MetricsOptions();

        Assert.Empty(Problems([]));
        Assert.True(o.Prometheus);
        Assert.Null(o.Otlp);
        Assert.Equal("http/protobuf", o.OtlpProtocol);
        Assert.Equal(60, o.ExportIntervalSeconds);
    }

    [Theory]
    [InlineData("Metrics:OtlpEndpoint", "collector:4318", "Metrics:OtlpEndpoint must be empty or an absolute http:// or https:// URL, not 'collector:4318'")]
    [InlineData("Metrics:OtlpEndpoint", "ftp://collector/", "Metrics:OtlpEndpoint must be empty or an absolute http:// or https:// URL, not 'ftp://collector/'")]
    [InlineData("Metrics:OtlpEndpoint", "/v1/metrics", "Metrics:OtlpEndpoint must be empty or an absolute http:// or https:// URL, not '/v1/metrics'")]
    [InlineData("Metrics:OtlpProtocol", "http/json", "Metrics:OtlpProtocol must be grpc or http/protobuf, not 'http/json'")]
    [InlineData("Metrics:ExportIntervalSeconds", "4", "Metrics:ExportIntervalSeconds must be from 5 to 3600")]
    [InlineData("Metrics:ExportIntervalSeconds", "3601", "Metrics:ExportIntervalSeconds must be from 5 to 3600")]
    public void ABadValue_IsNamedByItsKey(string key, string value, string problem)
    {
        Assert.Equal([problem], Problems(new() { [key] = value }));
    }

    [Theory]
    [InlineData("Metrics:Prometheus", "yes")]
    [InlineData("Metrics:ExportIntervalSeconds", "a minute")]
    [InlineData("Metrics:OtlpEndpiont", "http://collector:4318")]
    public void AValueThatDoesNotBind_OrAnUnknownKey_IsNamed(string key, string value)
    {
        Assert.Contains(Problems(new() { [key] = value }), p => p.Contains(key, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://collector:4318", "http/protobuf", "http://collector:4318/v1/metrics")]
    [InlineData("https://collector:4318/", "http/protobuf", "https://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318/custom/path", "http/protobuf", "http://collector:4318/custom/path")]
    [InlineData("http://collector:4317", "grpc", "http://collector:4317/")]
    public void TheOtlpUrl_GetsTheSignalPath_OnlyForHttpWithNoPath(string endpoint, string protocol, string expected)
    {
        OtlpExportProtocol p = protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

        Assert.Equal(expected, ObservabilityRegistration.OtlpUrl(new Uri(endpoint), p).ToString());
    }

    [Fact]
    public async Task TheRealProcess_ExitsWith2_NamingEveryBadMetricsKey()
    {
        string dataDir = Directory.CreateTempSubdirectory("edge-metrics-config-").FullName;
        try
        {
            using GatewayProcess gateway = GatewayProcess.Start(dataDir, environment: new Dictionary<string, string>
            {
                ["Metrics__OtlpProtocol"] = "udp",
                ["Metrics__ExportIntervalSeconds"] = "1",
            });

            Assert.Equal(2, await gateway.WaitForExitAsync(GatewayProcess.StartupDeadline));
            Assert.Contains("Invalid configuration: Metrics:OtlpProtocol must be grpc or http/protobuf, not 'udp'", gateway.Errors, StringComparison.Ordinal);
            Assert.Contains("Invalid configuration: Metrics:ExportIntervalSeconds must be from 5 to 3600", gateway.Errors, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
