using Edge.Drivers.Scales.Hx711;

namespace Edge.Gateway.Shelves;

/// <summary>Adapts the HX711 bus to the slot pipelines: runs on the bus thread and allocates nothing per sample.</summary>
internal sealed class ShelfSampler : IHx711Sink
{
    // A still shelf's level is checkpointed every 5 minutes of readings (3,000 at 10 SPS, 24,000 at 80), so that
    // drift followed for hours is not mistaken for a change after a restart.
    internal const int CheckpointSeconds = 300;

    private readonly SlotPipeline[] _pipelines;
    private readonly FrameTally[] _frames;
    private readonly int[] _sinceCheckpoint;
    private readonly TimeProvider _time;
    private readonly Action<SlotPipeline> _checkpoint;

    public ShelfSampler(SlotPipeline[] pipelines, FrameTally[] frames, TimeProvider time, Action<SlotPipeline> checkpoint)
    {
        _pipelines = pipelines;
        _frames = frames;
        _sinceCheckpoint = new int[pipelines.Length];
        _time = time;
        _checkpoint = checkpoint;
    }

    public void OnReading(int channel, in Hx711Reading reading)
    {
        SlotPipeline pipeline = _pipelines[channel];
        DateTimeOffset now = _time.GetUtcNow();
        if (reading.Status is not (Hx711ReadStatus.NotResponding or Hx711ReadStatus.PoweredDown))
        {
            // A frame was clocked out, good or not; a chip that did not answer delivered none (its conversions are lost).
            _frames[channel].Frame(reading.Status == Hx711ReadStatus.Ok);
        }

        switch (reading.Status)
        {
            case Hx711ReadStatus.Ok:
                pipeline.Live.Add(reading.Raw, now);
                pipeline.OnSample(reading.Raw, now);
                if (++_sinceCheckpoint[channel] >= CheckpointSeconds * pipeline.Windows.SamplesPerSecond)
                {
                    _sinceCheckpoint[channel] = 0;
                    _checkpoint(pipeline);
                }

                break;
            case Hx711ReadStatus.Settling:
                break; // expected after power-up or a rejected frame; not a fault
            case Hx711ReadStatus.NotResponding:
                pipeline.OnRejected("HX711 not responding (DOUT never went low)", chipMissing: true, now);
                break;
            case Hx711ReadStatus.Saturated:
                pipeline.OnRejected("load cell output saturated (overload or wiring)", chipMissing: false, now);
                break;
            case Hx711ReadStatus.TimingViolation:
                pipeline.OnRejected(reading.LongestHighPhase >= Hx711.PowerDownHighPhase
                    ? "clock high phase reached the power-down limit"
                    : "clock high phase past the datasheet's maximum (frame discarded)", chipMissing: false, now);
                break;
            default:
                pipeline.OnRejected($"unusable frame ({reading.Status})", chipMissing: false, now);
                break;
        }
    }
}
