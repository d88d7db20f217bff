namespace Edge.Gateway.StoreData;

/// <summary>The kinds of store data the cloud sends; on IoT Hub they arrive as cloud-to-device messages with <c>kind=store-data</c>.</summary>
public static class StoreDataKinds
{
    /// <summary>The C2D <c>kind</c> property of store data on IoT Hub.</summary>
    public const string IotHubKind = "store-data";

    /// <summary>Catalog promotions (key: <c>id</c>).</summary>
    public const string Promotions = "promotions";

    /// <summary>Products and their prices (key: <c>sku</c>).</summary>
    public const string Catalog = "catalog";

    /// <summary>Units the online shop can sell (key: <c>sku</c>).</summary>
    public const string OnlineStock = "online-stock";

    /// <summary>Click-and-collect lines (key: <c>{orderId}:{sku}</c>).</summary>
    public const string Reservations = "reservations";

    /// <summary>Every kind, as named on topics and in C2D <c>name</c> properties.</summary>
    public static readonly IReadOnlyList<string> All = [Promotions, Catalog, OnlineStock, Reservations];
}
