namespace Edge.Gateway.StoreData;

/// <summary>The kinds of store data the cloud sends; on IoT Hub they arrive as cloud-to-device messages with <c>kind=store-data</c>.</summary>
public static class StoreDataKinds
{
    /// <summary>The C2D <c>kind</c> property of store data on IoT Hub.</summary>
    public const string IotHubKind = "store-data";

    /// <summary>Every kind, as named on topics and in C2D <c>name</c> properties.</summary>
    public static readonly IReadOnlyList<string> All = ["promotions", "catalog", "online-stock", "reservations"];
}
