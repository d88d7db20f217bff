using Edge.Drivers.Bluetooth;

namespace Edge.Gateway.Beacons;

/// <summary>
/// Feeds a btsnoop capture through the same path as the socket: HCI parser, decoders, tracker. Time is the capture's
/// own, so a replay gives the same events at any speed; <c>speed</c> 1 paces it as recorded, 0 runs it flat out.
/// With <c>retime</c> the capture's clock is shifted so its first packet happens now: events then carry today's
/// times, and the outbox's time-to-live does not expire an old capture's events at once (flat out, later events
/// are stamped ahead of the wall clock, as fast as the capture is read).
/// </summary>
public static class BeaconReplay
{
    /// <summary>What a replay went through.</summary>
    public sealed record Summary(long Events, long Reports, long Malformed, DateTimeOffset? First, DateTimeOffset? Last);

    /// <summary>Replays <paramref name="capture"/> into <paramref name="tracker"/>.</summary>
    public static async Task<Summary> RunAsync(Stream capture, BeaconTracker tracker, double speed, TimeProvider time, CancellationToken cancellationToken, bool retime = false)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(time);
        var reader = new BtsnoopReader(capture);
        var reports = new AdvertisingReport[32];
        long events = 0;
        long reportCount = 0;
        long malformed = 0;
        DateTimeOffset? first = null;
        DateTimeOffset last = default;
        DateTimeOffset nextTick = default;
        long started = time.GetTimestamp();
        TimeSpan shift = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested && reader.TryRead(out CapturedEvent captured))
        {
            events++;
            if (first is null && retime)
            {
                shift = time.GetUtcNow() - captured.Timestamp;
            }

            CapturedEvent e = shift == TimeSpan.Zero ? captured : captured with { Timestamp = captured.Timestamp + shift };
            first ??= e.Timestamp;
            if (speed > 0)
            {
                TimeSpan due = (e.Timestamp - first.Value) / speed;
                TimeSpan ahead = due - time.GetElapsedTime(started);
                if (ahead > TimeSpan.FromMilliseconds(5))
                {
                    await Task.Delay(ahead, time, cancellationToken);
                }
            }

            while (e.Timestamp >= nextTick)
            {
                // Timeouts run on capture time, once a second.
                if (nextTick != default)
                {
                    tracker.Tick(nextTick);
                }

                nextTick = nextTick == default ? e.Timestamp.AddSeconds(1) : nextTick.AddSeconds(1);
            }

            HciParseResult result = HciEvents.ParseAdvertising(e.Packet, reports, out int n, out _);
            if (result == HciParseResult.Malformed)
            {
                malformed++;
                continue;
            }

            tracker.CurrentAdapter = e.Adapter;
            for (int i = 0; i < n; i++)
            {
                tracker.OnReport(reports[i], e.Packet, e.Timestamp);
            }

            reportCount += n;
            last = e.Timestamp;
        }

        if (first is not null)
        {
            tracker.Tick(last);
        }

        return new Summary(events, reportCount, malformed, first, first is null ? null : last);
    }
}
