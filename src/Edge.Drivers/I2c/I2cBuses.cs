using System.Device.I2c;
using Iot.Device.Tca954x;

namespace Edge.Drivers.I2c;

/// <summary>
/// Opens the <see cref="I2cDevice"/> for a <see cref="SensorPlace"/>: straight on its bus, or through the
/// <c>Iot.Device.Tca954x</c> binding's channel bus of a TCA9548A, each bus and each multiplexer opened once and shared
/// by every sensor on it. Sensors of one bus are read from one thread: a binding's measurement is several transfers
/// (command, conversion, read) and a multiplexer must stay on one channel for all of them.
/// </summary>
public sealed class I2cBuses : IDisposable
{
    private readonly Func<int, I2cBus> _openBus;
    private readonly Dictionary<int, I2cBus> _buses = [];
    private readonly Dictionary<int, SharedAddressBus> _muxedBuses = [];
    private readonly Dictionary<(int Bus, int Address), Multiplexer> _muxes = [];

    /// <summary>Opens buses with <paramref name="openBus"/> (a bus number in; default <see cref="I2cBus.Create"/>).</summary>
    public I2cBuses(Func<int, I2cBus>? openBus = null) => _openBus = openBus ?? I2cBus.Create;

    /// <summary>
    /// The device for the sensor at <paramref name="place"/>, for a sensor driver to take over and dispose. Throws
    /// <see cref="ArgumentException"/> for a place with <see cref="SensorPlace.Problems"/>, and whatever the bus throws
    /// for an address already open on it (a clash <see cref="SensorPlace.Clashes"/> finds before).
    /// </summary>
    public I2cDevice Open(SensorPlace place)
    {
        ArgumentNullException.ThrowIfNull(place);
        IReadOnlyList<string> problems = place.Problems("place");
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(place));
        }

        if (place.MuxAddress is not { } muxAddress)
        {
            return Bus(place.Bus).CreateDevice(place.Address);
        }

        if (!_muxes.TryGetValue((place.Bus, muxAddress), out Multiplexer? mux))
        {
            if (!_muxedBuses.TryGetValue(place.Bus, out SharedAddressBus? shared))
            {
                _muxedBuses[place.Bus] = shared = new SharedAddressBus(Bus(place.Bus));
            }

            mux = new Multiplexer(Bus(place.Bus), shared, place.Bus, muxAddress);
            _muxes[(place.Bus, muxAddress)] = mux;
        }

        int channel = place.MuxChannel!.Value;
        I2cBus channelBus = mux.Binding.GetChannel(channel);
        return new MuxChannelDevice(place, mux, Neighbours(mux), channelBus, channelBus.CreateDevice(place.Address));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Multiplexer mux in _muxes.Values)
        {
            mux.Dispose();
        }

        foreach (SharedAddressBus shared in _muxedBuses.Values)
        {
            shared.Dispose();
        }

        foreach (I2cBus bus in _buses.Values)
        {
            bus.Dispose();
        }

        _muxes.Clear();
        _buses.Clear();
        _muxedBuses.Clear();
    }

    private I2cBus Bus(int number)
    {
        if (!_buses.TryGetValue(number, out I2cBus? bus))
        {
            _buses[number] = bus = _openBus(number);
        }

        return bus;
    }

    // The other multiplexers on the same bus, read when a transfer starts (some may be opened after this sensor).
    private Func<IEnumerable<Multiplexer>> Neighbours(Multiplexer mux) =>
        () => _muxes.Values.Where(other => other.BusNumber == mux.BusNumber && other != mux);
}

/// <summary>One TCA9548A: the binding's object and the device it talks to the chip through.</summary>
internal sealed class Multiplexer : IDisposable
{
    public Multiplexer(I2cBus bus, I2cBus sharedBus, int busNumber, int address)
    {
        BusNumber = busNumber;
        Address = address;
        Device = bus.CreateDevice(address);
        try
        {
            // The binding never writes the control register when it reads several channels selected there (by a
            // tool, or a process before this one): every sensor would answer at once. Power-on state is none.
            Device.WriteByte(0);
        }
        catch (IOException)
        {
            // Absent for now: each transfer through it says so (MuxChannelDevice).
        }

        Binding = new Tca9548A(Device, sharedBus, shouldDispose: true);
    }

    public int BusNumber { get; }

    public int Address { get; }

    public I2cDevice Device { get; }

    public Tca9548A Binding { get; }

    /// <summary>Selects no channel, so that nothing behind this multiplexer answers while another one's sensor is read.</summary>
    public void Deselect()
    {
        try
        {
            Binding.SelectChannel(MultiplexerChannel.None);
        }
        catch (IOException)
        {
            // A multiplexer that does not answer connects no channel either.
        }
    }

    public void Dispose() => Binding.Dispose();
}
