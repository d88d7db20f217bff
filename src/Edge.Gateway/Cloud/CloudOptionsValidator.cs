using Edge.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Cloud;

/// <summary>Section <c>Cloud</c>: the transport's settings, and ids that can be MQTT topic levels.</summary>
internal sealed class CloudOptionsValidator(BindingProblems binding, IOptions<GatewayOptions> gateway, IOptions<StoreOptions> store) : SectionValidator<CloudOptions>(binding)
{
    protected override IEnumerable<string> Problems(CloudOptions cloud)
    {
        foreach (string problem in cloud.Problems())
        {
            yield return problem;
        }

        if (cloud.Mode == CloudMode.None)
        {
            yield break;
        }

        // Both become MQTT topic levels.
        foreach ((string key, string value) in new[] { ("Store:Id", store.Value.Id), ("Gateway:Id", gateway.Value.Id) })
        {
            if (!Edge.Cloud.Mqtt.MqttTopics.IsLevel(value))
            {
                yield return $"{key} must not be empty or contain / + #";
            }
        }
    }
}
