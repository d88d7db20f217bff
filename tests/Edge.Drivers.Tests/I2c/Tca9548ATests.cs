using System.Device.I2c;
using Edge.Drivers.I2c;
using Edge.Drivers.I2c.Simulation;
using Edge.Drivers.Temperature;
using Edge.Drivers.Temperature.Simulation;
using Iot.Device.Sht3x;
using Iot.Device.Tca954x;

namespace Edge.Drivers.Tests.I2c;

/// <summary>
/// The <c>Iot.Device.Tca954x</c> binding against a simulated TCA9548A on a simulated bus, with SHT3x and SHT4x chips at
/// the same address behind its channels, opened as the gateway opens them (<see cref="I2cBuses"/>).
/// </summary>
public sealed class Tca9548ATests : IDisposable
{
    private readonly SimulatedI2cBus _bus = new(busId: 1);
    private readonly SimulatedTca9548A _mux = new(bus: 1, address: 0x70);
    private readonly SimulatedSht3x _cold = new() { Celsius = 3.5 };
    private readonly SimulatedSht3x _chiller = new() { Celsius = 7.0 };
    private readonly SimulatedSht4x _freezer = new() { Celsius = -19.0 };
    private readonly I2cBuses _buses;

    public Tca9548ATests()
    {
        _bus.Attach(_mux);
        _mux.Attach(0, _cold).Attach(1, _chiller).Attach(5, _freezer);
        _buses = new I2cBuses(number => number == 1 ? _bus : throw new IOException($"no /dev/i2c-{number}"));
    }

    public void Dispose() => _buses.Dispose();

    [Fact]
    public void TwoSht3xAtTheSameAddress_OnDifferentChannels_EachReadsItsOwnTemperature()
    {
        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        using ITemperatureSensor chiller = Open(TemperatureSensorKind.Sht3x, channel: 1);
        using ITemperatureSensor freezer = Open(TemperatureSensorKind.Sht4x, channel: 5);

        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
            Assert.Equal(7.0, chiller.Read().Celsius!.Value, precision: 1);
            Assert.Equal(-19.0, freezer.Read().Celsius!.Value, precision: 1);
        }

        Assert.Equal("I2C bus 1, mux 0x70 channel 1, address 0x44", chiller.Where);
        Assert.Equal([0x30A2, 0x2400, 0x2400, 0x2400], _chiller.Commands); // no other sensor's command reached it
    }

    [Fact]
    public void AChannelWithNoChip_IsAFault_NamingTheChannel()
    {
        using ITemperatureSensor empty = Open(TemperatureSensorKind.Sht3x, channel: 3);

        TemperatureReading reading = empty.Read();

        Assert.Null(reading.Celsius);
        Assert.Equal("no answer from the SHT3x at I2C bus 1, mux 0x70 channel 3, address 0x44: Error 121 performing I2C data transfer (remote I/O error)", reading.Fault);
    }

    [Fact]
    public void AnAbsentMultiplexer_IsAFaultNamingIt_AndItsSensorIsReadOnceItAnswers()
    {
        _mux.Absent = true;
        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);

        TemperatureReading absent = cold.Read();

        Assert.Null(absent.Celsius);
        Assert.Equal("no answer from the SHT3x at I2C bus 1, mux 0x70 channel 0, address 0x44: the TCA9548A multiplexer at I2C bus 1, address 0x70 does not answer: channel 0 could not be selected", absent.Fault);

        _mux.Absent = false;
        Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void AMultiplexerThatGoesAway_IsAFaultNamingIt_NotTheLastTemperature()
    {
        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        Assert.NotNull(cold.Read().Celsius);

        _mux.Absent = true;
        TemperatureReading reading = cold.Read();

        Assert.Null(reading.Celsius);
        Assert.Contains("the TCA9548A multiplexer at I2C bus 1, address 0x70 does not answer", reading.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void AMultiplexerThatLostPower_FaultsOneReading_ThenIsSelectedAgain()
    {
        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        Assert.NotNull(cold.Read().Celsius);

        _mux.Control = 0; // power-on state; the binding still believes channel 0 is selected

        Assert.Null(cold.Read().Celsius);
        Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void ReadingOneChannel_NeverGivesAnotherChannelsValue()
    {
        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        using ITemperatureSensor chiller = Open(TemperatureSensorKind.Sht3x, channel: 1);
        Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
        Assert.Equal(7.0, chiller.Read().Celsius!.Value, precision: 1);

        _chiller.Absent = true;
        TemperatureReading gone = chiller.Read();
        _chiller.Absent = false;
        _chiller.CorruptNextCrc = true;
        TemperatureReading glitch = chiller.Read();

        Assert.Null(gone.Celsius);
        Assert.Null(glitch.Celsius);
        Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
        Assert.Equal(7.0, chiller.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void TheBindingAlone_NeverSelectsAChannel_WhenSeveralAreSelectedAlready()
    {
        _mux.Control = 0x03; // left by a tool or an earlier process
        using var main = new SimulatedI2cBus();
        main.Attach(_mux);
        using var binding = new Tca9548A(main.CreateDevice(0x70), main);
        using var sensor = new Sht3x(binding.GetChannel(0).CreateDevice(0x44));

        _ = sensor.Temperature; // both SHT3x answer together: the frames garble, the binding keeps 0 °C

        Assert.Empty(_mux.Writes);
        Assert.Equal(0x03, _mux.Control);
    }

    [Fact]
    public void AMultiplexerLeftWithSeveralChannelsSelected_IsClearedWhenOpened_SoEachSensorReadsItsOwn()
    {
        _mux.Control = 0x03;

        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        using ITemperatureSensor chiller = Open(TemperatureSensorKind.Sht3x, channel: 1);

        Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
        Assert.Equal(7.0, chiller.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void TwoMultiplexersOnOneBus_EachWithAnSht3xAt0x44_ReadTheirOwn()
    {
        var second = new SimulatedTca9548A(bus: 1, address: 0x71);
        var deli = new SimulatedSht3x { Celsius = 1.5 };
        _bus.Attach(second);
        second.Attach(0, deli);

        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        using ITemperatureSensor other = TemperatureSensors.Open(_buses, TemperatureSensorKind.Sht3x, new SensorPlace(1, 0x71, 0, 0x44));

        for (int round = 0; round < 2; round++)
        {
            Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
            Assert.Equal(1.5, other.Read().Celsius!.Value, precision: 1);
        }

        Assert.Equal(0, second.Control & 0x01 & _mux.Control); // never both at once
    }

    [Fact]
    public void ASensorClosedAndOpenedAgain_OnTheSameChannel_Reads()
    {
        Open(TemperatureSensorKind.Sht3x, channel: 1).Dispose();

        using ITemperatureSensor again = Open(TemperatureSensorKind.Sht3x, channel: 1);

        Assert.Equal(7.0, again.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void ClosingOneOfTwoSensorsAtOneAddress_LeavesTheOtherReading()
    {
        using ITemperatureSensor cold = Open(TemperatureSensorKind.Sht3x, channel: 0);
        ITemperatureSensor chiller = Open(TemperatureSensorKind.Sht3x, channel: 1);
        Assert.NotNull(chiller.Read().Celsius);

        chiller.Dispose(); // the binding disposes the main-bus device 0x44 here, though channel 0 still uses it

        Assert.Equal(3.5, cold.Read().Celsius!.Value, precision: 1);
    }

    [Fact]
    public void APlaceWithProblems_IsRefused_WithTheProblems()
    {
        var bad = new SensorPlace(1, 0x70, 9, 0x44);

        ArgumentException refused = Assert.Throws<ArgumentException>(() => _buses.Open(bad));

        Assert.Contains("MuxChannel is 9", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASensorStraightOnTheBus_IsReadWithoutAMultiplexer()
    {
        var direct = new SimulatedSht3x(address: 0x45) { Celsius = 5.5 };
        _bus.Attach(direct);

        using ITemperatureSensor sensor = TemperatureSensors.Open(_buses, TemperatureSensorKind.Sht3x, new SensorPlace(1, null, null, 0x45));

        Assert.Equal(5.5, sensor.Read().Celsius!.Value, precision: 1);
        Assert.Equal("I2C bus 1, address 0x45", sensor.Where);
    }

    [Fact]
    public void TheBindingsChannelDevice_ReportsTheChannelAsItsBus()
    {
        using var main = new SimulatedI2cBus();
        using var binding = new Tca9548A(main.CreateDevice(0x70), main);

        using I2cDevice device = binding.GetChannel(2).CreateDevice(0x44);

        Assert.Equal(2, device.ConnectionSettings.BusId); // which is why the gateway's messages take the place instead
    }

    private ITemperatureSensor Open(TemperatureSensorKind kind, int channel) =>
        TemperatureSensors.Open(_buses, kind, new SensorPlace(1, 0x70, channel, 0x44));
}
