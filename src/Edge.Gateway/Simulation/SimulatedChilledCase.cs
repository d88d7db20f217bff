using Edge.Drivers.Temperature;
using Edge.Drivers.Temperature.Simulation;
using Edge.Gateway.Temperature;

namespace Edge.Gateway.Simulation;

/// <summary>
/// A chilled case of the simulated store, with a simulated SHT3x in it that the real driver reads. The air follows a
/// first-order lag towards the cooling set point with the door shut and towards the shop's air with it open; shoppers
/// open the door for 20 to 60 s now and then (not an excursion that lasts), and once in a while it is left open for
/// minutes (an alert, then a recovery). The first door left open comes two minutes after start, so a newcomer sees one.
/// </summary>
public sealed class SimulatedChilledCase
{
    /// <summary>What the cooling holds the case at (°C).</summary>
    public const double SetPoint = 3.5;

    /// <summary>The shop's air (°C).</summary>
    public const double ShopAir = 20;

    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WarmingTau = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CoolingTau = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DoorEvery = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan LeftOpenEvery = TimeSpan.FromMinutes(45);

    private readonly Random _random;
    private readonly Lock _lock = new();
    private DateTimeOffset _at;
    private DateTimeOffset _doorOpenUntil;
    private DateTimeOffset _nextLeftOpen;
    private double _celsius = SetPoint;

    /// <summary>Creates the case at <paramref name="start"/>, shut and at its set point.</summary>
    public SimulatedChilledCase(string caseId, int seed, DateTimeOffset start)
    {
        CaseId = caseId;
        _random = new Random(seed);
        _at = start;
        _doorOpenUntil = start;
        _nextLeftOpen = start + TimeSpan.FromMinutes(2);
        Chip.Celsius = SetPoint;
    }

    /// <summary>The case's id.</summary>
    public string CaseId { get; }

    /// <summary>The sensor in the case, at its I2C interface.</summary>
    public SimulatedSht3x Chip { get; } = new();

    /// <summary>The air in the case now (°C), as last advanced.</summary>
    public double Celsius
    {
        get
        {
            lock (_lock)
            {
                return _celsius;
            }
        }
    }

    /// <summary>Whether the door is open at <paramref name="now"/>.</summary>
    public bool DoorOpen(DateTimeOffset now)
    {
        lock (_lock)
        {
            return now < _doorOpenUntil;
        }
    }

    /// <summary>Opens the door for <paramref name="duration"/> from <paramref name="now"/> (as staff restocking would).</summary>
    public void OpenDoor(DateTimeOffset now, TimeSpan duration)
    {
        lock (_lock)
        {
            AdvanceLocked(now);
            _doorOpenUntil = now + duration;
        }
    }

    /// <summary>Moves the air on to <paramref name="now"/> and sets what the chip measures.</summary>
    public void Advance(DateTimeOffset now)
    {
        lock (_lock)
        {
            AdvanceLocked(now);
        }
    }

    private void AdvanceLocked(DateTimeOffset now)
    {
        while (_at < now)
        {
            TimeSpan dt = now - _at < Step ? now - _at : Step;
            if (_at >= _nextLeftOpen)
            {
                _doorOpenUntil = _at + TimeSpan.FromMinutes(6 + (4 * _random.NextDouble()));
                _nextLeftOpen = _at + (LeftOpenEvery * (0.5 + _random.NextDouble()));
            }
            else if (_at >= _doorOpenUntil && _random.NextDouble() < dt / DoorEvery)
            {
                _doorOpenUntil = _at + TimeSpan.FromSeconds(20 + (40 * _random.NextDouble()));
            }

            bool open = _at < _doorOpenUntil;
            double target = open ? ShopAir : SetPoint;
            TimeSpan tau = open ? WarmingTau : CoolingTau;
            _celsius += (target - _celsius) * (1 - Math.Exp(-dt / tau));
            _at += dt;
        }

        // The sensor's own noise, a few hundredths of a degree.
        Chip.Celsius = Math.Round(_celsius + ((_random.NextDouble() - 0.5) * 0.06), 2);
    }
}

/// <summary>The simulated store's cases as sensors: each read advances the case's air to now, then the real SHT3x driver reads its chip.</summary>
public sealed class SimulatedCaseSensors(TimeProvider time, int seed) : ICaseSensorFactory
{
    private readonly Dictionary<string, SimulatedChilledCase> _cases = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The case with <paramref name="caseId"/>, once its sensor was opened.</summary>
    public SimulatedChilledCase? Case(string caseId)
    {
        lock (_lock)
        {
            return _cases.GetValueOrDefault(caseId);
        }
    }

    /// <inheritdoc />
    public ITemperatureSensor Open(CaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var chilled = new SimulatedChilledCase(options.Id, seed ^ options.Id.Aggregate(17, (h, c) => unchecked((h * 31) + c)), time.GetUtcNow());
        lock (_lock)
        {
            _cases[options.Id] = chilled;
        }

        return new Sensor(chilled, new Sht3xSensor(chilled.Chip), time);
    }

    private sealed class Sensor(SimulatedChilledCase chilled, Sht3xSensor sht3x, TimeProvider time) : ITemperatureSensor
    {
        public string Where => "simulated " + sht3x.Where;

        public TemperatureReading Read()
        {
            chilled.Advance(time.GetUtcNow());
            return sht3x.Read();
        }

        public void Dispose() => sht3x.Dispose();
    }
}
