using Edge.Drivers.Temperature.Simulation;
using Edge.Drivers.Temperature;

namespace Edge.Drivers.Tests.Temperature;

/// <summary>The <c>Iot.Device.Sht3x</c> binding against a simulated chip, with the checks the binding leaves out.</summary>
public sealed class Sht3xSensorTests
{
    [Fact]
    public void CrcOfTheDatasheetExample_Is0x92()
    {
        // Sensirion's example: 0xBEEF gives CRC 0x92.
        Assert.Equal(0x92, SensirionFrame.Crc8([0xBE, 0xEF]));
    }

    [Theory]
    [InlineData(4.0)]
    [InlineData(-18.5)]
    [InlineData(7.9)]
    public void AGoodFrame_IsTheCaseTemperature_ThroughTheBinding(double celsius)
    {
        var chip = new SimulatedSht3x { Celsius = celsius };
        using var sensor = new Sht3xSensor(chip);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Fault);
        Assert.Equal(celsius, reading.Celsius!.Value, precision: 1);
        // The binding reset the chip, then asked for one high-repeatability single shot without clock stretching.
        Assert.Equal([0x30A2, 0x2400], chip.Commands);
    }

    [Fact]
    public void ABadCrc_IsAFault_NotTheTemperatureTheBindingKeptFromBefore()
    {
        var chip = new SimulatedSht3x { Celsius = 4.0 };
        using var sensor = new Sht3xSensor(chip);
        Assert.Equal(4.0, sensor.Read().Celsius!.Value, precision: 1);

        chip.Celsius = 12.0;
        chip.CorruptNextCrc = true;
        TemperatureReading glitch = sensor.Read();

        Assert.Null(glitch.Celsius);
        Assert.StartsWith("bad CRC from the SHT3x at I2C bus 1, address 0x44 (frame ", glitch.Fault, StringComparison.Ordinal);
        Assert.Equal(12.0, sensor.Read().Celsius!.Value, precision: 1); // the next good frame reads again
    }

    [Fact]
    public void AnAbsentChip_IsAFaultNamingWhereItWasLookedFor_AndIsFoundOnceItAnswers()
    {
        var chip = new SimulatedSht3x(bus: 3, address: 0x45) { Absent = true, Celsius = 5.0 };
        using var sensor = new Sht3xSensor(chip);

        TemperatureReading absent = sensor.Read();

        Assert.Null(absent.Celsius);
        Assert.Equal("no answer from the SHT3x at I2C bus 3, address 0x45: Error 121 performing I2C data transfer (remote I/O error)", absent.Fault);

        chip.Absent = false;
        Assert.Equal(5.0, sensor.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void AChipThatStopsAnsweringMidRun_IsAFault_NotItsLastTemperature()
    {
        var chip = new SimulatedSht3x { Celsius = 3.0 };
        using var sensor = new Sht3xSensor(chip);
        Assert.NotNull(sensor.Read().Celsius);

        chip.Absent = true;

        Assert.Null(sensor.Read().Celsius);
    }

    [Theory]
    [InlineData((ushort)0xFFFF, "impossible value 130.0 °C")]
    [InlineData((ushort)0x0000, "impossible value -45.0 °C")]
    public void AValueOutsideWhatTheChipMeasures_IsAFault(ushort raw, string reason)
    {
        var chip = new SimulatedSht3x { RawTemperature = raw };
        using var sensor = new Sht3xSensor(chip);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith(reason, reading.Fault, StringComparison.Ordinal);
    }
}
