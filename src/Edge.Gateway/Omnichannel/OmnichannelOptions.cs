using Edge.Gateway.Hosting;

namespace Edge.Gateway.Omnichannel;

/// <summary>Section <c>Omnichannel</c>: the store's time zone and currency, and the freshness contract.</summary>
public sealed class OmnichannelOptions
{
    /// <summary>IANA time zone of the store: promotion dayparts are in its local time.</summary>
    public string TimeZone { get; set; } = "Asia/Tokyo";

    /// <summary>ISO 4217 currency of the shelves' configured fallback prices.</summary>
    public string Currency { get; set; } = "JPY";

    /// <summary>Online stock older than this is not given as a number ("check online").</summary>
    public TimeSpan OnlineStockMaxAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A wall clock that moves this much more or less than the monotonic clock is implausible.</summary>
    public TimeSpan MaxClockJump { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the clock stays implausible after a jump, while it runs steadily again.</summary>
    public TimeSpan ClockSettleTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A kind of store data not received for this long is reported stale on <c>/healthz</c>.</summary>
    public TimeSpan StoreDataMaxAge { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Checks <see cref="OmnichannelOptions"/> at start, naming each bad key.</summary>
internal sealed class OmnichannelOptionsValidator(BindingProblems binding) : SectionValidator<OmnichannelOptions>(binding)
{
    protected override IEnumerable<string> Problems(OmnichannelOptions options)
    {
        if (!KnowsTimeZone(options.TimeZone))
        {
            yield return $"Omnichannel:TimeZone: '{options.TimeZone}' is not a time zone this machine knows (an IANA id such as Asia/Tokyo; is tzdata installed?)";
        }

        if (!Edge.Promotions.Currencies.IsCode(options.Currency))
        {
            yield return $"Omnichannel:Currency: '{options.Currency}' is not an ISO 4217 currency code in circulation (such as JPY)";
        }

        foreach ((string key, TimeSpan value) in new (string, TimeSpan)[] { ("OnlineStockMaxAge", options.OnlineStockMaxAge), ("MaxClockJump", options.MaxClockJump),
            ("ClockSettleTime", options.ClockSettleTime), ("StoreDataMaxAge", options.StoreDataMaxAge) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Omnichannel:{key}: must be longer than 0 (a time span such as 00:15:00)";
            }
        }
    }

    private static bool KnowsTimeZone(string id)
    {
        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
