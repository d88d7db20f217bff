using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Edge.Promotions;

/// <summary>A JSON value that is not what the schema says; <see cref="Exception.Message"/> names the field.</summary>
public sealed class PromotionFormatException(string message) : FormatException(message);

/// <summary>
/// Reads the JSON shapes every channel exchanges (<c>product</c>, <c>promotion</c>, instants, channels) into the
/// engine's types, strictly: a wrong type, a missing required field or a value out of range is an error naming the
/// field's path. Unknown fields are ignored, so that a newer producer does not break an older reader.
/// </summary>
public static partial class PromotionJson
{
    /// <summary>An evaluation request as the CLI and the conformance files carry it.</summary>
    public sealed record Request(Product Product, DateTimeOffset At, TimeZoneInfo TimeZone, Channel Channel, IReadOnlyList<Promotion> Promotions, string? Audience);

    /// <summary>Reads <c>{"product":{…},"at":"…","timeZone":"…","channel":"…","promotions":[…],"audience":"…"?}</c>.</summary>
    public static Request ReadRequest(JsonElement e)
    {
        RequireObject(e, "$");
        Product product = ReadProduct(Required(e, "product", "$"), "product");
        DateTimeOffset at = ReadInstant(Required(e, "at", "$"), "at");
        TimeZoneInfo zone = ReadTimeZone(Required(e, "timeZone", "$"), "timeZone");
        Channel channel = ReadChannel(Required(e, "channel", "$"), "channel");
        JsonElement list = Required(e, "promotions", "$");
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new PromotionFormatException("promotions: must be an array");
        }

        var promotions = new List<Promotion>(list.GetArrayLength());
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (JsonElement p in list.EnumerateArray())
        {
            Promotion promotion = ReadPromotion(p, $"promotions[{i}]");
            if (!ids.Add(promotion.Id))
            {
                throw new PromotionFormatException($"promotions[{i}].id: '{Clip(promotion.Id)}' appears twice");
            }

            promotions.Add(promotion);
            i++;
        }

        return new Request(product, at, zone, channel, promotions, OptionalString(e, "audience", "$"));
    }

    /// <summary>Reads a product: <c>sku</c>, <c>price</c> (minor units, ≥ 0), <c>currency</c>, optional <c>category</c> and <c>minPrice</c>.</summary>
    public static Product ReadProduct(JsonElement e, string path)
    {
        RequireObject(e, path);
        string sku = RequiredString(e, "sku", path);
        long price = RequiredMinor(e, "price", path);
        string currency = ReadCurrency(Required(e, "currency", path), path + ".currency");
        string? category = OptionalString(e, "category", path);
        long? minPrice = e.TryGetProperty("minPrice", out JsonElement m) && m.ValueKind != JsonValueKind.Null ? Minor(m, path + ".minPrice") : null;
        return new Product(sku, price, currency, category, minPrice);
    }

    /// <summary>Reads a promotion (see the README's <c>promotions</c> schema).</summary>
    public static Promotion ReadPromotion(JsonElement e, string path)
    {
        RequireObject(e, path);
        string id = RequiredString(e, "id", path);
        FrozenSet<string> skus = FrozenSet<string>.Empty;
        if (e.TryGetProperty("skus", out JsonElement s) && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.Array)
            {
                throw new PromotionFormatException($"{path}.skus: must be an array of SKUs");
            }

            skus = s.EnumerateArray().Select((x, i) => x.ValueKind == JsonValueKind.String && x.GetString() is { Length: > 0 } v
                ? v
                : throw new PromotionFormatException($"{path}.skus[{i}]: must be a non-empty string")).ToFrozenSet(StringComparer.Ordinal);
        }

        string? category = OptionalString(e, "category", path);
        if (skus.Count == 0 && category is null)
        {
            throw new PromotionFormatException($"{path}: needs a scope: skus, category or both");
        }

        DateTimeOffset? start = OptionalInstant(e, "start", path);
        DateTimeOffset? end = OptionalInstant(e, "end", path);
        if (start is not null && end is not null && end <= start)
        {
            throw new PromotionFormatException($"{path}.end: must be after start");
        }

        return new Promotion
        {
            Id = id,
            Version = e.TryGetProperty("version", out JsonElement v) && v.ValueKind != JsonValueKind.Null ? Whole(v, path + ".version") : 0,
            Skus = skus,
            Category = category,
            Discount = ReadDiscount(Required(e, "discount", path), path + ".discount"),
            Channels = ReadChannels(e, path),
            Priority = e.TryGetProperty("priority", out JsonElement pr) && pr.ValueKind != JsonValueKind.Null
                ? (pr.ValueKind == JsonValueKind.Number && pr.TryGetInt32(out int n) ? n : throw new PromotionFormatException($"{path}.priority: must be a whole number"))
                : 0,
            Stackable = !e.TryGetProperty("stackable", out JsonElement st) || st.ValueKind == JsonValueKind.Null || (st.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? st.GetBoolean()
                : throw new PromotionFormatException($"{path}.stackable: must be true or false")),
            Start = start,
            End = end,
            Dayparts = ReadDayparts(e, path),
            Audience = OptionalString(e, "audience", path),
            Title = ReadText(e, "title", path),
            Multibuy = OptionalString(e, "multibuy", path),
        };
    }

    /// <summary>Reads an ISO 8601 instant that carries its offset (<c>Z</c> or <c>±hh:mm</c>).</summary>
    public static DateTimeOffset ReadInstant(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? ParseInstant(e.GetString()!, path) : throw new PromotionFormatException($"{path}: must be an ISO 8601 string with an offset");

    /// <summary>Parses an ISO 8601 instant that carries its offset; one without is an error, never local time.</summary>
    public static DateTimeOffset ParseInstant(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset at) || !text.Contains('T', StringComparison.OrdinalIgnoreCase))
        {
            throw new PromotionFormatException($"{path}: '{Clip(text)}' is not an ISO 8601 instant (such as 2026-12-01T18:00:00+09:00)");
        }

        return OffsetSuffix().IsMatch(text)
            ? at
            : throw new PromotionFormatException($"{path}: '{Clip(text)}' has no offset (Z or ±hh:mm): an instant without one is ambiguous (in a URL, write + as %2B)");
    }

    /// <summary>Parses <c>online</c>, <c>store</c> or <c>app</c>.</summary>
    public static Channel ParseChannel(string? text, string path) => text switch
    {
        "online" => Channel.Online,
        "store" => Channel.Store,
        "app" => Channel.App,
        _ => throw new PromotionFormatException($"{path}: '{Clip(text ?? "")}' is not a channel (online, store, app)"),
    };

    private static Channel ReadChannel(JsonElement e, string path) =>
        ParseChannel(e.ValueKind == JsonValueKind.String ? e.GetString() : null, path);

    private static TimeZoneInfo ReadTimeZone(JsonElement e, string path)
    {
        string id = e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new PromotionFormatException($"{path}: must be an IANA time zone id");
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new PromotionFormatException($"{path}: '{Clip(id)}' is not a time zone this machine knows (IANA ids such as Asia/Tokyo)");
        }
    }

    private static Discount ReadDiscount(JsonElement e, string path)
    {
        RequireObject(e, path);
        string type = RequiredString(e, "type", path);
        JsonElement value = Required(e, "value", path);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out decimal v))
        {
            throw new PromotionFormatException($"{path}.value: must be a number (a percent from 0 to 100, or minor units)");
        }

        return type switch
        {
            "percent" => v is >= 0 and <= 100 ? new Discount(DiscountType.Percent, v) : throw new PromotionFormatException($"{path}.value: a percent must be 0 to 100"),
            "amount" => new Discount(DiscountType.Amount, Minor(value, path + ".value")),
            "price" => new Discount(DiscountType.Price, Minor(value, path + ".value")),
            _ => throw new PromotionFormatException($"{path}.type: '{Clip(type)}' is not a discount type (percent, amount, price)"),
        };
    }

    private static Channels ReadChannels(JsonElement e, string path)
    {
        if (!e.TryGetProperty("channels", out JsonElement c) || c.ValueKind == JsonValueKind.Null)
        {
            return Channels.All;
        }

        if (c.ValueKind != JsonValueKind.Array || c.GetArrayLength() == 0)
        {
            throw new PromotionFormatException($"{path}.channels: must be a non-empty array (leave it out for every channel)");
        }

        Channels all = Channels.None;
        int i = 0;
        foreach (JsonElement x in c.EnumerateArray())
        {
            all |= (Channels)ReadChannel(x, $"{path}.channels[{i++}]");
        }

        return all;
    }

    private static List<Daypart>? ReadDayparts(JsonElement e, string path)
    {
        if (!e.TryGetProperty("dayparts", out JsonElement d) || d.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (d.ValueKind != JsonValueKind.Array || d.GetArrayLength() == 0)
        {
            throw new PromotionFormatException($"{path}.dayparts: must be a non-empty array (leave it out for all day)");
        }

        var parts = new List<Daypart>();
        int i = 0;
        foreach (JsonElement x in d.EnumerateArray())
        {
            string at = $"{path}.dayparts[{i++}]";
            RequireObject(x, at);
            JsonElement days = Required(x, "days", at);
            if (days.ValueKind != JsonValueKind.Array || days.GetArrayLength() == 0)
            {
                throw new PromotionFormatException($"{at}.days: must be a non-empty array of mon … sun");
            }

            Days mask = Days.None;
            int j = 0;
            foreach (JsonElement day in days.EnumerateArray())
            {
                mask |= ParseDay(day.ValueKind == JsonValueKind.String ? day.GetString() : null, $"{at}.days[{j++}]");
            }

            parts.Add(new Daypart(mask, ReadClock(Required(x, "from", at), at + ".from"), ReadClock(Required(x, "to", at), at + ".to")));
        }

        return parts;
    }

    private static Days ParseDay(string? text, string path) => text switch
    {
        "mon" => Days.Mon,
        "tue" => Days.Tue,
        "wed" => Days.Wed,
        "thu" => Days.Thu,
        "fri" => Days.Fri,
        "sat" => Days.Sat,
        "sun" => Days.Sun,
        _ => throw new PromotionFormatException($"{path}: '{Clip(text ?? "")}' is not a day (mon, tue, wed, thu, fri, sat, sun)"),
    };

    private static TimeOnly ReadClock(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String && TimeOnly.TryParseExact(e.GetString(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly t)
            ? t
            : throw new PromotionFormatException($"{path}: must be a local time HH:mm (00:00 to 23:59)");

    private static string ReadCurrency(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String && e.GetString() is { } c && Currencies.IsCode(c)
            ? c
            : throw new PromotionFormatException($"{path}: must be an ISO 4217 currency code in circulation (JPY, USD, EUR, …)");

    /// <summary>Reads <c>{ja, en}</c> text; absent is empty.</summary>
    public static LocalizedText ReadText(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out JsonElement t) || t.ValueKind == JsonValueKind.Null)
        {
            return new LocalizedText(null, null);
        }

        RequireObject(t, $"{path}.{name}");
        return new LocalizedText(OptionalString(t, "ja", $"{path}.{name}"), OptionalString(t, "en", $"{path}.{name}"));
    }

    /// <summary>A required property, or an error naming it.</summary>
    public static JsonElement Required(JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null
            ? v
            : throw new PromotionFormatException($"{Join(path, name)}: is required");

    /// <summary>A required non-empty string.</summary>
    public static string RequiredString(JsonElement e, string name, string path) =>
        Required(e, name, path) is { ValueKind: JsonValueKind.String } s && s.GetString() is { Length: > 0 } v
            ? v
            : throw new PromotionFormatException($"{Join(path, name)}: must be a non-empty string");

    /// <summary>An optional string: absent or null is null.</summary>
    public static string? OptionalString(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new PromotionFormatException($"{Join(path, name)}: must be a string");
    }

    /// <summary>An optional instant with its offset.</summary>
    public static DateTimeOffset? OptionalInstant(JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? ReadInstant(v, Join(path, name)) : null;

    /// <summary>A required amount in minor units: a whole number ≥ 0.</summary>
    public static long RequiredMinor(JsonElement e, string name, string path) => Minor(Required(e, name, path), Join(path, name));

    /// <summary>A required whole number ≥ 0.</summary>
    public static long Whole(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) && v >= 0
            ? v
            : throw new PromotionFormatException($"{path}: must be a whole number, 0 or more");

    private static long Minor(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) && v >= 0
            ? v
            : throw new PromotionFormatException($"{path}: must be a whole number of minor units (yen, cents), 0 or more");

    /// <summary>That <paramref name="e"/> is an object.</summary>
    public static void RequireObject(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new PromotionFormatException($"{path}: must be a JSON object");
        }
    }

    private static string Join(string path, string name) => path == "$" ? name : path + "." + name;

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"(Z|z|[+-]\d{2}:\d{2})$")]
    private static partial Regex OffsetSuffix();
}
