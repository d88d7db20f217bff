using System.Text.Json;
using Edge.Gateway.Shelves;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Gateway.Tests.Shelves;

/// <summary>The seam the temperature service fills, and where the learned drift is shown.</summary>
public class ShelfTemperatureTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web); // as /healthz writes

    [Fact]
    public void Shelves_DefaultToNoTemperature_AndLeaveARegisteredServiceInPlace()
    {
        WebApplicationBuilder alone = WebApplication.CreateBuilder();
        alone.AddShelves(new ShelfLayout([], Simulated: true));
        Assert.Equal(typeof(NoShelfTemperature), Assert.Single(alone.Services, d => d.ServiceType == typeof(IShelfTemperature)).ImplementationType);

        WebApplicationBuilder withSensors = WebApplication.CreateBuilder();
        var sensors = new ChilledShelf(0, 0);
        withSensors.Services.AddSingleton<IShelfTemperature>(sensors);
        withSensors.AddShelves(new ShelfLayout([], Simulated: true));
        Assert.Same(sensors, Assert.Single(withSensors.Services, d => d.ServiceType == typeof(IShelfTemperature)).ImplementationInstance);
        Assert.Null(NoShelfTemperature.Instance.CelsiusOf("A-01"));
    }

    [Fact]
    public void Healthz_ShowsEachShelfsLearnedDrift_BesideItsDriftAndCreep()
    {
        var shelf = new ChilledShelf(350 + (10 * 25), gramsPerCelsius: 6);
        shelf.Pipeline = new SlotPipeline(new SlotIdentity("C-01", "sku", 25, 0), ShelfSignal.Cal, 350, new DetectionOptions(), _ => { }, 10, shelf);
        shelf.Hold(TimeSpan.FromHours(3));

        string json = JsonSerializer.Serialize(DriftView.Of(shelf.Pipeline, shelf.Time), Web);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement drift = doc.RootElement;

        Assert.Equal("C-01", drift.GetProperty("shelfId").GetString());
        Assert.InRange(drift.GetProperty("driftGramsPerCelsius").GetDouble(), 5.7, 6.3);
        Assert.True(drift.GetProperty("driftCompensationTrusted").GetBoolean());
        Assert.InRange(drift.GetProperty("celsius").GetDouble(), shelf.Celsius - 0.2, shelf.Celsius + 0.2);
        Assert.Equal(Math.Round(shelf.Pipeline.TemperatureCompensationGrams, 2), drift.GetProperty("temperatureCompensationGrams").GetDouble());
        Assert.True(drift.TryGetProperty("driftGrams", out _));
        Assert.True(drift.TryGetProperty("creepGramsPerHour", out _));

        shelf.SensorFaulted = true;
        shelf.Hold(TimeSpan.FromSeconds(2));
        Assert.Contains("\"celsius\":null", JsonSerializer.Serialize(DriftView.Of(shelf.Pipeline, shelf.Time), Web), StringComparison.Ordinal);
    }
}
