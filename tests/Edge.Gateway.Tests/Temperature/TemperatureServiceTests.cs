using Edge.Drivers.Temperature;
using Edge.Drivers.Temperature.Simulation;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Tests.Technicians;
using Edge.Gateway.Tests.FaultInjection;
using Edge.Gateway.Temperature;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Temperature;

/// <summary>
/// The service over the real SHT3x driver and a register-level simulated chip, the gateway database and the bus:
/// what is recorded, what is alerted, what survives a restart and a card that refuses writes.
/// </summary>
public sealed class TemperatureServiceTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 1, 0, 30, 0, TimeSpan.Zero)); // 09:30 in Tokyo
    private readonly Dictionary<string, SimulatedSht3x> _chips = new(StringComparer.Ordinal) { ["C-01"] = new(), ["C-02"] = new(1, 0x45) };
    private readonly EventBus _bus = new();
    private GatewayDatabase _database;

    public TemperatureServiceTests() => _database = GatewayDatabase.Open(_dir.Path);

    public void Dispose()
    {
        _database.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void ADoorOpenedForLessThanTheMinimumDuration_IsInTheRecord_ButRaisesNoAlert()
    {
        using Subscription<TemperatureEvent> events = _bus.Subscribe<TemperatureEvent>("test", 1000, FullPolicy.DropOldestAndResync);
        using TemperatureService service = Service();
        Run(service, 5, 4.0);
        Run(service, 3, 11.0); // three minutes warm: the door, not the cooling
        Run(service, 5, 4.0);

        Assert.Empty(Alerts(events));
        CaseDay day = Assert.Single(new TemperatureRecords(_database).Of(new DateOnly(2026, 7, 1)), d => d.CaseId == "C-01");
        Assert.Equal(11.0, day.Max!.Value, 1);
        Assert.Equal(4.0, day.Min!.Value, 1);
        Assert.Equal(3, day.MinutesOutOfRange, 1);
        Assert.Equal(13, day.Readings);
    }

    [Fact]
    public void AnExcursionLongerThanTheMinimumDuration_RaisesOneAlert_AndOneRecovery()
    {
        using Subscription<TemperatureEvent> events = _bus.Subscribe<TemperatureEvent>("test", 1000, FullPolicy.DropOldestAndResync);
        using TemperatureService service = Service();
        Run(service, 2, 4.0);
        Run(service, 20, 9.5);
        Assert.Equal("high", service.States()[0].Status);
        Assert.True(service.States()[0].Alerted);
        Run(service, 2, 7.5); // below High but not below High - Hysteresis: still the same excursion
        Run(service, 2, 4.0);

        List<CaseAlert> alerts = Alerts(events);
        Assert.Collection(alerts,
            a => Assert.Equal((CaseAlertKind.TemperatureHigh, "C-01"), (a.Kind, a.CaseId)),
            a => Assert.Equal((CaseAlertKind.TemperatureRecovered, 9.5), (a.Kind, a.Peak)));
        Assert.Equal("ok", service.States()[0].Status);
    }

    [Fact]
    public void ABadCrc_AnAbsentChip_AndAnImpossibleValue_AreFaultsWithTheReason_NeverATemperature()
    {
        using TemperatureService service = Service();
        _chips["C-01"].CorruptNextCrc = true;
        CaseState crc = service.ReadRound()[0];
        Assert.Equal(("faulted", (double?)null), (crc.Status, crc.Celsius));
        Assert.Contains("bad CRC", crc.Fault, StringComparison.Ordinal);
        Assert.Equal("ok", service.States()[1].Status); // the other case is read as ever

        _chips["C-01"].Absent = true;
        _time.Advance(Interval);
        Assert.Contains("no answer", service.ReadRound()[0].Fault, StringComparison.Ordinal);

        _chips["C-01"].Absent = false;
        _chips["C-01"].RawTemperature = 0xFFFF; // 130 °C: beyond what the chip measures
        _time.Advance(Interval);
        Assert.Contains("impossible value", service.ReadRound()[0].Fault, StringComparison.Ordinal);

        _chips["C-01"].RawTemperature = null;
        _time.Advance(Interval);
        Assert.Equal("ok", service.ReadRound()[0].Status);
        CaseDay day = new TemperatureRecords(_database).Of(new DateOnly(2026, 7, 1)).Single(d => d.CaseId == "C-01");
        Assert.Equal(1, day.Readings);
        Assert.Equal(3, day.MinutesFaulted, 1);
    }

    [Fact]
    public void ARestartInTheMiddleOfAnAlertedExcursion_DoesNotRaiseItAgain_AndStillRecovers()
    {
        using (TemperatureService first = Service())
        {
            Run(first, 20, 10.0);
            Assert.True(first.States()[0].Alerted);
        }

        _database.Dispose();
        _database = GatewayDatabase.Open(_dir.Path);
        using Subscription<TemperatureEvent> events = _bus.Subscribe<TemperatureEvent>("test", 1000, FullPolicy.DropOldestAndResync);
        using TemperatureService second = Service();
        second.Restore();
        Assert.True(second.States()[0].Alerted);
        Assert.Equal(10.0, second.States()[0].Celsius!.Value, 1);
        Run(second, 2, 10.0);
        Run(second, 1, 3.0);

        CaseAlert alert = Assert.Single(Alerts(events));
        Assert.Equal(CaseAlertKind.TemperatureRecovered, alert.Kind);
        Assert.Equal(23, new TemperatureRecords(_database).Of(new DateOnly(2026, 7, 1)).Single(d => d.CaseId == "C-01").Readings);
    }

    [Fact]
    public void TheReadingAfterMidnight_CompletesTheDayBefore_InTheStoresTimeZone()
    {
        _time.SetUtcNow(new DateTimeOffset(2026, 7, 1, 14, 50, 0, TimeSpan.Zero)); // 23:50 in Tokyo: readings 23:51 to 00:05
        using Subscription<TemperatureEvent> events = _bus.Subscribe<TemperatureEvent>("test", 1000, FullPolicy.DropOldestAndResync);
        using TemperatureService service = Service();
        Run(service, 15, 9.0);

        var records = new TemperatureRecords(_database);
        Assert.Equal(9, records.Of(new DateOnly(2026, 7, 1)).Single(d => d.CaseId == "C-01").MinutesOutOfRange, 1);
        Assert.Equal(5, records.Of(new DateOnly(2026, 7, 2)).Single(d => d.CaseId == "C-01").MinutesOutOfRange, 1);
        List<CaseDayChanged> days = [.. Drain(events).OfType<CaseDayChanged>()];
        Assert.Equal(9, days.Last(d => d.Day.CaseId == "C-01" && d.Day.Date == new DateOnly(2026, 7, 1)).Day.MinutesOutOfRange, 1);
    }

    [Fact]
    public void ReadingsAFullCardRefuses_WaitInMemory_AndAreStoredWithTheNextRoundThatCanBe()
    {
        using var disk = new SmallDisk(2);
        using var database = GatewayDatabase.Open(disk.Path);
        using TemperatureService service = Service(new TemperatureRecords(database));
        Run(service, 2, 4.0);
        string filler = disk.Fill();
        Run(service, 3, 5.0);
        Assert.Equal(6, service.Waiting);
        Assert.NotNull(service.LastError);

        File.Delete(filler); // the operator made room
        Run(service, 1, 6.0);

        Assert.Equal(0, service.Waiting);
        Assert.Null(service.LastError);
        CaseDay day = new TemperatureRecords(database).Of(new DateOnly(2026, 7, 1)).Single(d => d.CaseId == "C-01");
        Assert.Equal(6, day.Readings);
        Assert.Equal(6.0, day.Max!.Value, 1);
    }

    [Fact]
    public async Task TheServiceReadsOnItsOwnThreadEachInterval_ASensorThatThrowsIsOneFaultedCase_AndAStuckReaderShowsAsStale()
    {
        _throwing = true;
        using TemperatureService service = Service();
        await service.StartAsync(CancellationToken.None);
        await WaitForAsync(() => service.States()[0].At is not null, "the first round");
        Assert.Contains("failed: InvalidOperationException: the bus hung up", service.States()[0].Fault, StringComparison.Ordinal);
        Assert.Equal("ok", service.States()[1].Status);

        _throwing = false;
        _time.Advance(Interval);
        await WaitForAsync(() => service.States()[0].Status == "ok", "the next round");
        Assert.Equal(2, new TemperatureRecords(_database).Of(new DateOnly(2026, 7, 1)).Single(d => d.CaseId == "C-02").Readings);

        await service.StopAsync(CancellationToken.None);
        _time.Advance(4 * Interval); // nobody reads any more
        Assert.Equal("stale", service.States()[0].Status);
    }

    [Fact]
    public void ARoundStoredTwice_ReplacesItself()
    {
        var records = new TemperatureRecords(_database);
        CaseReading[] round = [new("C-01", _time.GetUtcNow(), 4.2, null)];
        records.Save(round, []);
        records.Save(round, []);

        Assert.Single(records.Since(_time.GetUtcNow().AddMinutes(-1)));
    }

    [Fact]
    public void TheShelvesOfACase_GetItsLastTemperature_OnlyWhileItIsFresh()
    {
        using TemperatureService service = Service();
        Run(service, 1, 5.5);
        Assert.Equal(5.5, service.CelsiusOfShelf("D-01")!.Value, 1);
        Assert.Null(service.CelsiusOfShelf("S-01"));
        _time.Advance(4 * Interval);
        Assert.Null(service.CelsiusOfShelf("D-01"));
    }

    private bool _throwing;

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + ": not within 30 s");
            await Task.Delay(10);
        }
    }

    private TemperatureService Service(TemperatureRecords? records = null)
    {
        CaseOptions[] cases =
        [
            new() { Id = "C-01", Shelves = ["D-01"], MinDuration = TimeSpan.FromMinutes(15) },
            new() { Id = "C-02", Address = "0x45" },
        ];
        return new TemperatureService(new ChilledCases(cases), Options.Create(new TemperatureOptions { Interval = Interval }), Options.Create(new OmnichannelOptions()),
            new Chips(_chips, () => _throwing), records ?? new TemperatureRecords(_database), _bus, _time, NullLogger<TemperatureService>.Instance);
    }


    // One reading a minute at the given temperature, the first one now.
    private void Run(TemperatureService service, int minutes, double celsius)
    {
        for (int i = 0; i < minutes; i++)
        {
            _time.Advance(Interval);
            _chips["C-01"].Celsius = celsius;
            _ = service.ReadRound();
        }
    }

    private static List<TemperatureEvent> Drain(Subscription<TemperatureEvent> events)
    {
        var all = new List<TemperatureEvent>();
        while (events.TryRead(out Delivery<TemperatureEvent> d))
        {
            if (d.Event is { } e)
            {
                all.Add(e);
            }
        }

        return all;
    }

    private static List<CaseAlert> Alerts(Subscription<TemperatureEvent> events) => [.. Drain(events).OfType<CaseAlertRaised>().Select(a => a.Alert)];

    private sealed class Chips(Dictionary<string, SimulatedSht3x> chips, Func<bool> throwing) : ICaseSensorFactory
    {
        public ITemperatureSensor Open(CaseOptions options) =>
            options.Id == "C-01" ? new Throwing(new Sht3xSensor(new UnownedI2cDevice(chips[options.Id])), throwing) : new Sht3xSensor(new UnownedI2cDevice(chips[options.Id]));
    }

    // A driver with a bug of its own: it throws where it should have reported a fault.
    private sealed class Throwing(ITemperatureSensor inner, Func<bool> throwing) : ITemperatureSensor
    {
        public string Where => inner.Where;

        public TemperatureReading Read() => throwing() ? throw new InvalidOperationException("the bus hung up") : inner.Read();

        public void Dispose() => inner.Dispose();
    }
}
