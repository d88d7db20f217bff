using Edge.Gateway.Shelves;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Edge.Gateway.Tests.Shelves;

/// <summary>A gateway on real GPIO with no shelves configured counts nothing: it is not ready, and says what to configure.</summary>
public sealed class ShelvesConfiguredCheckTests
{
    [Fact]
    public async Task HardwareWithoutShelves_IsNotReady_SayingWhatToConfigure()
    {
        HealthCheckResult result = await new ShelvesConfiguredCheck(new ShelfLayout([], Simulated: false)).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("edge-gateway shelf add", result.Description, StringComparison.Ordinal);
        Assert.Contains("Shelves:N", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredShelves_OrTheSimulatedStore_AreReady()
    {
        Assert.Equal(HealthStatus.Healthy, (await new ShelvesConfiguredCheck(new ShelfLayout([new ShelfOptions { Id = "A" }], Simulated: false)).CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(HealthStatus.Healthy, (await new ShelvesConfiguredCheck(new ShelfLayout([], Simulated: true)).CheckHealthAsync(new HealthCheckContext())).Status);
    }
}
