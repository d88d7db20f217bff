using Edge.Cloud.Mqtt;

namespace Edge.Cloud.Tests.Brokers;

/// <summary>The topic scheme the transport tests use: the gateway's topics under <c>retail/s1/g1</c>, pushed data on <c>retail/s1/promotions</c>.</summary>
internal static class TestTopics
{
    public static readonly MqttTopics Scheme = new("retail/s1/g1", new Dictionary<string, string> { ["promotions"] = "retail/s1/promotions" });
}
