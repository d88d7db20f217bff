using Edge.Drivers.Temperature;
using Edge.Drivers.Temperature.Simulation;
using Iot.Device.Sht4x;

namespace Edge.Drivers.Tests.Temperature;

/// <summary>The <c>Iot.Device.Sht4x</c> binding against a simulated chip, with the checks the binding leaves out.</summary>
public sealed class Sht4xSensorTests
{
    [Theory]
    [InlineData(4.0)]
    [InlineData(-18.5)]
    [InlineData(-39.9)]
    [InlineData(124.9)]
    public void AGoodFrame_IsTheCaseTemperature_ThroughTheBinding(double celsius)
    {
        var chip = new SimulatedSht4x { Celsius = celsius };
        using var sensor = new Sht4xSensor(chip);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Fault);
        Assert.Equal(celsius, reading.Celsius!.Value, precision: 1);
        // The binding soft-reset the chip, then asked for one high-repeatability measurement.
        Assert.Equal([0x94, 0xFD], chip.Commands);
    }

    [Fact]
    public void TheBindingAlone_KeepsTheTemperatureBeforeABadCrc_WhichIsWhyTheFrameIsChecked()
    {
        var chip = new SimulatedSht4x { Celsius = 4.0 };
        using var binding = new Sht4x(chip);
        Assert.Equal(4.0, binding.Temperature.DegreesCelsius, precision: 1);

        chip.Celsius = 12.0;
        chip.CorruptNextTemperatureCrc = true;

        Assert.Equal(4.0, binding.Temperature.DegreesCelsius, precision: 1);
    }

    [Fact]
    public void ABadTemperatureCrc_IsAFault_NotTheTemperatureFromBefore()
    {
        var chip = new SimulatedSht4x { Celsius = 4.0 };
        using var sensor = new Sht4xSensor(chip);
        Assert.Equal(4.0, sensor.Read().Celsius!.Value, precision: 1);

        chip.Celsius = 12.0;
        chip.CorruptNextTemperatureCrc = true;
        TemperatureReading glitch = sensor.Read();

        Assert.Null(glitch.Celsius);
        Assert.StartsWith("bad CRC from the SHT4x at I2C bus 1, address 0x44 (frame ", glitch.Fault, StringComparison.Ordinal);
        Assert.Equal(12.0, sensor.Read().Celsius!.Value, precision: 1); // the next good frame reads again
    }

    [Fact]
    public void ABadHumidityCrc_FaultsTheFrame_ThoughTheBindingWouldKeepItsTemperature()
    {
        var chip = new SimulatedSht4x { Celsius = 6.0, CorruptNextHumidityCrc = true };
        using var sensor = new Sht4xSensor(chip);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith("bad CRC from the SHT4x", reading.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAbsentChip_IsAFaultNamingWhereItWasLookedFor_AndIsFoundOnceItAnswers()
    {
        var chip = new SimulatedSht4x(bus: 2, address: 0x45) { Absent = true, Celsius = 5.0 };
        using var sensor = new Sht4xSensor(chip);

        TemperatureReading absent = sensor.Read();

        Assert.Null(absent.Celsius);
        Assert.Equal("no answer from the SHT4x at I2C bus 2, address 0x45: Error 121 performing I2C data transfer (remote I/O error)", absent.Fault);

        chip.Absent = false;
        Assert.Equal(5.0, sensor.Read().Celsius!.Value, precision: 1);
        Assert.Equal([0x94, 0xFD], chip.Commands); // reset again once it answered
    }

    [Fact]
    public void AChipThatStopsAnsweringMidRun_IsAFault_NotItsLastTemperature()
    {
        var chip = new SimulatedSht4x { Celsius = 3.0 };
        using var sensor = new Sht4xSensor(chip);
        Assert.NotNull(sensor.Read().Celsius);

        chip.Absent = true;
        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith("no answer from the SHT4x", reading.Fault, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((ushort)0xFFFF, "impossible value 130.0 °C")]
    [InlineData((ushort)0x0000, "impossible value -45.0 °C")]
    public void AValueOutsideWhatTheChipMeasures_IsAFault(ushort raw, string reason)
    {
        var chip = new SimulatedSht4x { RawTemperature = raw };
        using var sensor = new Sht4xSensor(chip);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith(reason, reading.Fault, StringComparison.Ordinal);
    }
}
