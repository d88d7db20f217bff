using System.Text.Json;
using Edge.Promotions;

namespace Edge.Gateway.StoreData;

/// <summary>A catalog product: the price is the price on every channel (a shelf's configured price is only a fallback).</summary>
public sealed record CatalogItem(string Sku, LocalizedText Name, long Price, string Currency, string Category, long? MinPrice, string? Unit, string? ImageUrl)
{
    /// <summary>What the promotion engine needs of it.</summary>
    public Product Product { get; } = new(Sku, Price, Currency, Category, MinPrice);
}

/// <summary>Units the online shop can sell of a SKU, as of an instant.</summary>
public sealed record OnlineStockLevel(string Sku, long Available, DateTimeOffset AsOf);

/// <summary>Where a click-and-collect line is.</summary>
public enum ReservationStatus
{
    /// <summary>Ordered, not yet taken off the shelf: it holds shelf units.</summary>
    Reserved,

    /// <summary>Taken off the shelf by staff: the shelf count already shows it.</summary>
    Picked,

    /// <summary>Handed over.</summary>
    Collected,

    /// <summary>Cancelled.</summary>
    Cancelled,
}

/// <summary>One line of a click-and-collect order; its key is <c>{orderId}:{sku}</c>.</summary>
public sealed record ReservationLine(string OrderId, string Sku, int Quantity, ReservationStatus Status, DateTimeOffset PickupBy)
{
    /// <summary>Whether it still holds shelf units at <paramref name="now"/>: reserved and not past its pickup time.</summary>
    public bool Holds(DateTimeOffset now) => Status == ReservationStatus.Reserved && now < PickupBy;
}

/// <summary>
/// The schema of every item of every kind: each is validated strictly (a bad field is an error naming the item and
/// the field) and has a key, by which deltas upsert and remove it.
/// </summary>
public static class StoreDataItems
{
    /// <summary>Longest SKU, order id or promotion id taken.</summary>
    public const int MaxKeyLength = 128;

    /// <summary>Validates one item of <paramref name="kind"/> and returns its key and its typed value.</summary>
    public static (string Key, object Value) Read(string kind, JsonElement item, string path) => kind switch
    {
        StoreDataKinds.Catalog => Keyed(ReadCatalog(item, path), c => c.Sku),
        StoreDataKinds.Promotions => Keyed(PromotionJson.ReadPromotion(item, path), p => CheckKey(p.Id, path + ".id")),
        StoreDataKinds.OnlineStock => Keyed(ReadOnlineStock(item, path), o => o.Sku),
        StoreDataKinds.Reservations => Keyed(ReadReservation(item, path), r => r.OrderId + ":" + r.Sku),
        _ => throw new PromotionFormatException($"'{kind}' is not a kind of store data"),
    };

    private static (string, object) Keyed<T>(T value, Func<T, string> key)
        where T : notnull => (key(value), value);

    private static CatalogItem ReadCatalog(JsonElement e, string path)
    {
        PromotionJson.RequireObject(e, path);
        Product p = PromotionJson.ReadProduct(e, path);
        CheckKey(p.Sku, path + ".sku");
        LocalizedText name = PromotionJson.ReadText(e, "name", path);
        if (string.IsNullOrWhiteSpace(name.Ja) && string.IsNullOrWhiteSpace(name.En))
        {
            throw new PromotionFormatException($"{path}.name: needs ja, en or both, not empty");
        }

        if (p.MinPrice > p.Price)
        {
            throw new PromotionFormatException($"{path}.minPrice: {p.MinPrice} is above the price {p.Price}");
        }

        string category = PromotionJson.RequiredString(e, "category", path);
        string? image = PromotionJson.OptionalString(e, "imageUrl", path);
        if (image is not null && !(Uri.TryCreate(image, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"))
        {
            throw new PromotionFormatException($"{path}.imageUrl: must be an absolute http or https URL");
        }

        return new CatalogItem(p.Sku, name, p.Price, p.Currency, category, p.MinPrice, PromotionJson.OptionalString(e, "unit", path), image);
    }

    private static OnlineStockLevel ReadOnlineStock(JsonElement e, string path)
    {
        PromotionJson.RequireObject(e, path);
        string sku = CheckKey(PromotionJson.RequiredString(e, "sku", path), path + ".sku");
        long available = PromotionJson.Whole(PromotionJson.Required(e, "available", path), path + ".available");
        return new OnlineStockLevel(sku, available, PromotionJson.ReadInstant(PromotionJson.Required(e, "asOf", path), path + ".asOf"));
    }

    private static ReservationLine ReadReservation(JsonElement e, string path)
    {
        PromotionJson.RequireObject(e, path);
        string order = CheckKey(PromotionJson.RequiredString(e, "orderId", path), path + ".orderId");
        if (order.Contains(':', StringComparison.Ordinal))
        {
            throw new PromotionFormatException($"{path}.orderId: must not contain ':' (a reservation line's key is orderId:sku)");
        }
        string sku = CheckKey(PromotionJson.RequiredString(e, "sku", path), path + ".sku");
        long quantity = PromotionJson.Whole(PromotionJson.Required(e, "quantity", path), path + ".quantity");
        if (quantity is < 1 or > 10_000)
        {
            throw new PromotionFormatException($"{path}.quantity: must be 1 to 10000");
        }

        ReservationStatus status = PromotionJson.RequiredString(e, "status", path) switch
        {
            "reserved" => ReservationStatus.Reserved,
            "picked" => ReservationStatus.Picked,
            "collected" => ReservationStatus.Collected,
            "cancelled" => ReservationStatus.Cancelled,
            _ => throw new PromotionFormatException($"{path}.status: must be reserved, picked, collected or cancelled"),
        };
        return new ReservationLine(order, sku, (int)quantity, status, PromotionJson.ReadInstant(PromotionJson.Required(e, "pickupBy", path), path + ".pickupBy"));
    }

    private static string CheckKey(string key, string path) =>
        key.Length <= MaxKeyLength && !key.Any(char.IsControl)
            ? key
            : throw new PromotionFormatException($"{path}: must be at most {MaxKeyLength} characters with no control characters");
}
