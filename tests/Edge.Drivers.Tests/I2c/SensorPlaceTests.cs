using Edge.Drivers.I2c;

namespace Edge.Drivers.Tests.I2c;

/// <summary>Placement checks the gateway runs on its configuration before it opens any bus.</summary>
public sealed class SensorPlaceTests
{
    private const string Key = "Temperature:Cases:2";

    [Theory]
    [InlineData(1, null, null, 0x44)]
    [InlineData(0, 0x70, 0, 0x08)]
    [InlineData(22, 0x77, 7, 0x76)]
    public void AGoodPlace_HasNoProblems(int bus, int? mux, int? channel, int address)
    {
        Assert.Empty(new SensorPlace(bus, mux, channel, address).Problems(Key));
    }

    [Theory]
    [InlineData(1, null, null, 0x07, "Temperature:Cases:2:Address is 0x07: an I2C sensor address is 0x08 to 0x77")]
    [InlineData(1, null, null, 0x78, "Temperature:Cases:2:Address is 0x78: an I2C sensor address is 0x08 to 0x77")]
    [InlineData(1, null, null, -3, "Temperature:Cases:2:Address is -3: an I2C sensor address is 0x08 to 0x77")]
    [InlineData(-1, null, null, 0x44, "Temperature:Cases:2:Bus is -1: a Linux I2C bus number is 0 or more (/dev/i2c-N)")]
    [InlineData(1, 0x6F, 0, 0x44, "Temperature:Cases:2:MuxAddress is 0x6f: a TCA9548A answers at 0x70 to 0x77")]
    [InlineData(1, 0x78, 0, 0x44, "Temperature:Cases:2:MuxAddress is 0x78: a TCA9548A answers at 0x70 to 0x77")]
    [InlineData(1, 0x70, 8, 0x44, "Temperature:Cases:2:MuxChannel is 8: a TCA9548A has channels 0 to 7")]
    [InlineData(1, 0x70, -1, 0x44, "Temperature:Cases:2:MuxChannel is -1: a TCA9548A has channels 0 to 7")]
    [InlineData(1, null, 3, 0x44, "Temperature:Cases:2:MuxChannel is 3 but Temperature:Cases:2:MuxAddress is not set: a channel needs its multiplexer")]
    [InlineData(1, 0x70, null, 0x44, "Temperature:Cases:2:MuxAddress is 0x70 but Temperature:Cases:2:MuxChannel is not set: which of its channels is the sensor on?")]
    [InlineData(1, 0x71, 0, 0x71, "Temperature:Cases:2:Address is 0x71, the address of its own multiplexer")]
    public void ABadValue_IsNamedByItsKey(int bus, int? mux, int? channel, int address, string problem)
    {
        Assert.Equal([problem], new SensorPlace(bus, mux, channel, address).Problems(Key));
    }

    [Fact]
    public void EveryBadValue_IsListed()
    {
        Assert.Equal(4, new SensorPlace(-1, 0x20, 9, 0x80).Problems(Key).Count);
    }

    [Fact]
    public void TheSameAddressBehindDifferentChannelsOrMultiplexers_IsNoClash()
    {
        Assert.Empty(SensorPlace.Clashes(Places(
            new SensorPlace(1, 0x70, 0, 0x44),
            new SensorPlace(1, 0x70, 1, 0x44),
            new SensorPlace(1, 0x71, 0, 0x44),
            new SensorPlace(2, null, null, 0x44),
            new SensorPlace(1, null, null, 0x45))));
    }

    [Fact]
    public void TwoSensorsAtOnePlace_Clash()
    {
        Assert.Equal(
            ["Temperature:Cases:0 and Temperature:Cases:2 are both at I2C bus 1, mux 0x70 channel 3, address 0x44"],
            SensorPlace.Clashes(Places(new SensorPlace(1, 0x70, 3, 0x44), new SensorPlace(1, 0x70, 2, 0x44), new SensorPlace(1, 0x70, 3, 0x44))));
    }

    [Fact]
    public void ASensorOnTheBus_ClashesWithOneAtItsAddressBehindAMultiplexer()
    {
        Assert.Equal(
            ["Temperature:Cases:1 at I2C bus 1, address 0x44 answers whichever multiplexer channel is selected, so Temperature:Cases:0 at I2C bus 1, mux 0x70 channel 0, address 0x44 reads together with it"],
            SensorPlace.Clashes(Places(new SensorPlace(1, 0x70, 0, 0x44), new SensorPlace(1, null, null, 0x44))));
    }

    [Fact]
    public void ASensorAtAMultiplexersAddress_Clashes()
    {
        Assert.Equal(
            ["Temperature:Cases:1 at I2C bus 1, address 0x70 takes the address of the multiplexer Temperature:Cases:0 is behind"],
            SensorPlace.Clashes(Places(new SensorPlace(1, 0x70, 0, 0x44), new SensorPlace(1, null, null, 0x70), new SensorPlace(1, 0x70, 1, 0x45))).Take(1));
    }

    private static List<KeyValuePair<string, SensorPlace>> Places(params SensorPlace[] places) =>
        [.. places.Select((place, i) => KeyValuePair.Create($"Temperature:Cases:{i}", place))];
}
