using Edge.Cloud.Mqtt;
using Edge.Gateway.StoreData;

namespace Edge.Gateway.Cloud;

/// <summary>
/// The retail topic scheme on a plain broker (documented in the README): the gateway's own topics under
/// <c>retail/{store}/{gateway}</c>, and store data for every gateway of a store on <c>retail/{store}/{kind}</c>.
/// </summary>
public static class RetailTopics
{
    /// <summary>The scheme for one gateway; both ids must be single topic levels (no <c>/ + #</c>).</summary>
    public static MqttTopics For(string storeId, string gatewayId)
    {
        MqttTopics.CheckLevel(storeId, nameof(storeId));
        MqttTopics.CheckLevel(gatewayId, nameof(gatewayId));
        return new MqttTopics($"retail/{storeId}/{gatewayId}", StoreDataKinds.All.ToDictionary(k => k, k => $"retail/{storeId}/{k}", StringComparer.Ordinal));
    }

    /// <summary>The broker client id when none is configured: <c>{store}-{gateway}</c>.</summary>
    public static string ClientId(string storeId, string gatewayId) => $"{storeId}-{gatewayId}";
}
