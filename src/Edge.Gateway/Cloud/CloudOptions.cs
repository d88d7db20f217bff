using Edge.Cloud.Mqtt;
using Edge.Cloud.Outbox;
using Edge.Cloud.Transport;

namespace Edge.Gateway.Cloud;

/// <summary>Where cloud traffic goes (<c>Cloud:Mode</c>).</summary>
public enum CloudMode
{
    /// <summary>No cloud: nothing is queued.</summary>
    None,

    /// <summary>A plain MQTT broker (<c>Cloud:Mqtt:*</c>).</summary>
    Mqtt,

    /// <summary>Azure IoT Hub over MQTT (<c>Cloud:IotHub:*</c>).</summary>
    IotHub,
}

/// <summary>Section <c>Cloud</c>.</summary>
public sealed class CloudOptions
{
    /// <summary>Transport.</summary>
    public CloudMode Mode { get; set; } = CloudMode.None;

    /// <summary>Plain broker settings.</summary>
    public MqttOptions Mqtt { get; set; } = new();

    /// <summary>Azure IoT Hub settings.</summary>
    public Edge.Cloud.IotHub.IotHubOptions IotHub { get; set; } = new();

    /// <summary>Durable outbox settings.</summary>
    public OutboxSettings Outbox { get; set; } = new();

    /// <summary>Pacing of delivery.</summary>
    public PumpOptions Pump { get; set; } = new();

    /// <summary>Size limits of what the cloud sends.</summary>
    public InboundLimits Inbound { get; set; } = new();

    /// <summary>Every problem, each naming its key.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Enum.IsDefined(Mode))
        {
            yield return "Cloud:Mode must be None, Mqtt or IotHub";
        }

        if (Mode == CloudMode.Mqtt && Mqtt.Problem() is { } m)
        {
            yield return m;
        }

        if (Mode == CloudMode.IotHub && IotHub.Problem() is { } h)
        {
            yield return h;
        }

        if (Outbox.ToOptions().Problem() is { } o)
        {
            yield return "Cloud:" + o;
        }

        if (Inbound.Problem() is { } i)
        {
            yield return "Cloud:" + i;
        }

        if (Pump.Problem() is { } p)
        {
            yield return "Cloud:" + p;
        }
    }
}
