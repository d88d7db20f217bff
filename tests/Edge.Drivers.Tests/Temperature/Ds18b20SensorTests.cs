using Edge.Drivers.Temperature;
using Edge.Drivers.Temperature.Simulation;

namespace Edge.Drivers.Tests.Temperature;

/// <summary>
/// The DS18B20 against a simulated <c>/sys/bus/w1/devices</c> tree in a temporary directory. The
/// <c>Iot.Device.OneWire</c> binding reads <c>w1_slave</c> at a path it fixes, so it is used here for the id's family.
/// </summary>
public sealed class Ds18b20SensorTests : IDisposable
{
    private const string Id = "28-0316a2792fff";
    private readonly SimulatedOneWireDevices _tree = new();

    public void Dispose() => _tree.Dispose();

    [Theory]
    [InlineData(3.5)]
    [InlineData(-18.0625)]
    [InlineData(-55)]
    [InlineData(0)]
    [InlineData(124.9375)]
    public void AGoodReading_IsTheCaseTemperature(double celsius)
    {
        _tree.AddDs18b20(Id, celsius);
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Fault);
        Assert.Equal(celsius, reading.Celsius!.Value, precision: 2); // the kernel gives whole millidegrees
        Assert.Equal("1-Wire 28-0316a2792fff", sensor.Where);
    }

    [Fact]
    public void TheFileIsReadAsTheKernelWritesIt()
    {
        SimulatedDs18b20 chip = _tree.AddDs18b20(Id, 23.125);

        // The line the w1_therm documentation and the binding's own comment show, for 23.125 °C (0x0172).
        string[] lines = File.ReadAllLines(chip.W1Slave);
        Assert.Matches("^72 01 4b 46 7f ff 0c 10 ([0-9a-f]{2}) : crc=\\1 YES$", lines[0]);
        Assert.Equal(lines[0][..27] + "t=23125", lines[1]);
    }

    [Fact]
    public void ACrcTheKernelSaysNoTo_IsAFault_NotItsPlausibleTemperature()
    {
        SimulatedDs18b20 chip = _tree.AddDs18b20(Id, 4.0);
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        chip.Failing = SimulatedDs18b20.Fault.FlippedBit;
        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.Matches(@"^bad CRC from the DS18B20 at 1-Wire 28-0316a2792fff \(50 00 4b 46 7f ff 0c 10 [0-9a-f]{2} : crc=[0-9a-f]{2} NO\)$", reading.Fault);
        Assert.Contains("t=5000", File.ReadAllText(chip.W1Slave), StringComparison.Ordinal); // what a parser taking t= alone would record
    }

    [Fact]
    public void ThePowerOnValue_IsAFault_UnlessAskedToAcceptIt()
    {
        SimulatedDs18b20 chip = _tree.AddDs18b20(Id);
        chip.Failing = SimulatedDs18b20.Fault.PowerOn;
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);
        using var accepting = new Ds18b20Sensor(Id, _tree.Root, acceptPowerOnValue: true);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith("power-on value 85.0 °C from the DS18B20 at 1-Wire 28-0316a2792fff", reading.Fault, StringComparison.Ordinal);
        Assert.Equal(TemperatureReading.Of(85), accepting.Read());
    }

    [Fact]
    public void AnAllZeroScratchpad_WhichTheKernelPasses_IsAFault()
    {
        SimulatedDs18b20 chip = _tree.AddDs18b20(Id);
        chip.Failing = SimulatedDs18b20.Fault.AllZeros;
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        TemperatureReading reading = sensor.Read();

        Assert.Contains("crc=00 YES", File.ReadAllText(chip.W1Slave), StringComparison.Ordinal);
        Assert.Equal(TemperatureReading.Faulted("the DS18B20 at 1-Wire 28-0316a2792fff read all zeros (the data line held low, or no pull-up)"), reading);
    }

    [Fact]
    public void ATruncatedFile_IsAFault()
    {
        SimulatedDs18b20 chip = _tree.AddDs18b20(Id);
        chip.Failing = SimulatedDs18b20.Fault.Truncated;
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith("an unreadable or truncated reading from the DS18B20 at 1-Wire 28-0316a2792fff: '", reading.Fault, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("50 00 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 00 4b 46 7f ff 0c 10 1c t=\n")]
    [InlineData("50 00 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 00 4b 46 7f ff 0c 10 1c t=4000\n50 00 4b 46 7f ff 0c 10 1c t=9000\n")]
    [InlineData("50 00 4b 46 7f ff 0c 10 1c : crc=1c MAYBE YES\n50 00 4b 46 7f ff 0c 10 1c t=4000\n")]
    public void AFileNotInTheKernelsFormat_IsAFault_NotAGuess(string text)
    {
        _tree.AddDs18b20(Id);
        File.WriteAllText(Path.Combine(_tree.Root, Id, "w1_slave"), text);
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        TemperatureReading reading = sensor.Read();

        Assert.Null(reading.Celsius);
        Assert.StartsWith("an unreadable or truncated reading", reading.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueOutsideWhatTheChipMeasures_IsAFault()
    {
        _tree.AddDs18b20(Id, 127.9375); // 0x07FF, the top of the register: no DS18B20 measures it

        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        Assert.StartsWith("impossible value 127.9 °C from the DS18B20", sensor.Read().Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAbsentDevice_IsAFaultNamingWhereItWasLookedFor_AndIsReadOncePluggedIn()
    {
        using var sensor = new Ds18b20Sensor(Id, _tree.Root);

        TemperatureReading absent = sensor.Read();

        Assert.Equal(TemperatureReading.Faulted($"no DS18B20 {Id} on the 1-Wire bus (no {Path.Combine(_tree.Root, Id, "w1_slave")})"), absent);
        SimulatedDs18b20 chip = _tree.AddDs18b20(Id, 2.5);
        Assert.Equal(TemperatureReading.Of(2.5), sensor.Read());

        chip.Unplug();
        Assert.Null(sensor.Read().Celsius);
    }

    [Theory]
    [InlineData(null, "Temperature:Cases:4:OneWireId is not set: a DS18B20 is found by its 1-Wire id (ls /sys/bus/w1/devices)")]
    [InlineData("28-0316A2792FFF", "Temperature:Cases:4:OneWireId is '28-0316A2792FFF': a 1-Wire id is the family, a dash and 12 lower-case hex digits, as in /sys/bus/w1/devices (28-0316a2792fff)")]
    [InlineData("28-0316a2792f", "Temperature:Cases:4:OneWireId is '28-0316a2792f': a 1-Wire id is the family, a dash and 12 lower-case hex digits, as in /sys/bus/w1/devices (28-0316a2792fff)")]
    [InlineData("../../etc/x", "Temperature:Cases:4:OneWireId is '../../etc/x': a 1-Wire id is the family, a dash and 12 lower-case hex digits, as in /sys/bus/w1/devices (28-0316a2792fff)")]
    [InlineData("10-000802b4b1f2", "Temperature:Cases:4:OneWireId is '10-000802b4b1f2': family 0x10 is no DS18B20 (family 0x28)")]
    [InlineData("28-0316a2792fff", null)]
    public void IdProblem_NamesTheKey_AndTheBindingTellsTheFamily(string? id, string? problem)
    {
        Assert.Equal(problem, Ds18b20Sensor.IdProblem("Temperature:Cases:4", id));
    }

    [Fact]
    public void ABadId_IsRefusedByTheConstructor()
    {
        Assert.Throws<ArgumentException>(() => new Ds18b20Sensor("10-000802b4b1f2", _tree.Root));
    }

    [Fact]
    public void Discover_GivesOnlyDs18b20Ids_AndNothingWithoutTheW1Subsystem()
    {
        // The binding looks at /sys/bus/w1 and /sys/devices only: no tree can stand in for them here.
        Assert.All(Ds18b20Sensor.Discover(), id => Assert.StartsWith("28-", id, StringComparison.Ordinal));
    }
}
