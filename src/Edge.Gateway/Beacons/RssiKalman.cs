namespace Edge.Gateway.Beacons;

/// <summary>
/// Scalar random-walk Kalman filter for RSSI, time-aware (advertisements arrive irregularly across channels 37-39).
/// State is double: a filter that keeps an integer loses every step below 1 dB and sticks (AltBeacon's ARMA bug).
/// </summary>
internal struct RssiKalman
{
    // Process noise per second and measurement noise (σ ≈ 3 dB), tuning values from the reference notes.
    private const double Q = 0.5;
    private const double R = 9;
    private double _p;
    private long _lastTicks;

    public double Value { get; private set; }

    public bool HasValue { get; private set; }

    public double Update(double rssi, DateTimeOffset time)
    {
        if (!HasValue)
        {
            Value = rssi;
            _p = R;
            HasValue = true;
        }
        else
        {
            double dt = Math.Max(0, (time.UtcTicks - _lastTicks) / (double)TimeSpan.TicksPerSecond);
            _p += Q * dt;
            double k = _p / (_p + R);
            Value += k * (rssi - Value);
            _p *= 1 - k;
        }

        _lastTicks = time.UtcTicks;
        return Value;
    }
}
