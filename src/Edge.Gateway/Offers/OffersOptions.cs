using System.Globalization;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Offers;

/// <summary>Which presence event makes an offer.</summary>
public enum OfferTrigger
{
    /// <summary>The shopper has stayed in the zone for the dwell time (<c>Beacons:DwellAfter</c>).</summary>
    Dwell,

    /// <summary>The shopper came into the zone.</summary>
    ZoneEntered,
}

/// <summary>A daily span of store-local time, <c>HH:mm-HH:mm</c>; one whose end is not after its start crosses midnight.</summary>
public readonly record struct LocalSpan(TimeOnly From, TimeOnly To)
{
    /// <summary>Reads <c>HH:mm-HH:mm</c>; null when it is not that.</summary>
    public static LocalSpan? Parse(string? text)
    {
        string[] parts = (text ?? "").Split('-');
        return parts.Length == 2
            && TimeOnly.TryParseExact(parts[0].Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly from)
            && TimeOnly.TryParseExact(parts[1].Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly to)
            ? new LocalSpan(from, to)
            : null;
    }

    /// <summary>Whether <paramref name="t"/> is within the span.</summary>
    public bool Contains(TimeOnly t) => From < To ? t >= From && t < To : t >= From || t < To;
}

/// <summary>Section <c>Offers</c>: app offers from beacon presence.</summary>
public sealed class OffersOptions
{
    /// <summary>Make offers at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The presence event that makes an offer.</summary>
    public OfferTrigger Trigger { get; set; } = OfferTrigger.Dwell;

    /// <summary>Offers of one promotion to one shopper in a day.</summary>
    public int MaxPerPromotionPerDay { get; set; } = 1;

    /// <summary>Offers to one shopper in one visit.</summary>
    public int MaxPerVisit { get; set; } = 2;

    /// <summary>Least time between two offers to one shopper.</summary>
    public TimeSpan MinGap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A shopper not seen for this long starts a new visit when next seen.</summary>
    public TimeSpan VisitGap { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Store-local spans with no offers, <c>HH:mm-HH:mm</c> each.</summary>
    public List<string> QuietHours { get; set; } = [];

    /// <summary>The store's opening hours, <c>HH:mm-HH:mm</c> (none: always open); no offers outside them.</summary>
    public string? OpeningHours { get; set; }

    /// <summary>No offer for a product whose in-store count is unknown.</summary>
    public bool RequireKnownStock { get; set; } = true;

    /// <summary>How long an offer stays valid (never past its promotion's end).</summary>
    public TimeSpan ValidFor { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Most shoppers whose caps are kept at once; beyond, new shoppers get no offer until others leave.</summary>
    public int MaxShoppers { get; set; } = 20_000;
}

/// <summary>Checks <c>Offers</c>, naming each bad key.</summary>
internal sealed class OffersOptionsValidator(BindingProblems binding) : SectionValidator<OffersOptions>(binding)
{
    protected override IEnumerable<string> Problems(OffersOptions o)
    {
        if (!Enum.IsDefined(o.Trigger))
        {
            yield return "Offers:Trigger must be Dwell or ZoneEntered";
        }

        if (o.MaxPerPromotionPerDay < 1 || o.MaxPerVisit < 1)
        {
            yield return "Offers:MaxPerPromotionPerDay and Offers:MaxPerVisit must be >= 1";
        }

        if (o.MinGap < TimeSpan.Zero || o.VisitGap < TimeSpan.FromMinutes(1) || o.ValidFor < TimeSpan.FromMinutes(1) || o.ValidFor > TimeSpan.FromDays(1))
        {
            yield return "Offers:MinGap must be >= 0, Offers:VisitGap >= 1 minute, Offers:ValidFor from 1 minute to 1 day";
        }

        for (int i = 0; i < o.QuietHours.Count; i++)
        {
            if (LocalSpan.Parse(o.QuietHours[i]) is null)
            {
                yield return $"Offers:QuietHours:{i} must be HH:mm-HH:mm, not '{o.QuietHours[i]}'";
            }
        }

        if (o.OpeningHours is not null && LocalSpan.Parse(o.OpeningHours) is null)
        {
            yield return $"Offers:OpeningHours must be HH:mm-HH:mm, not '{o.OpeningHours}'";
        }

        if (o.MaxShoppers is < 100 or > 1_000_000)
        {
            yield return "Offers:MaxShoppers must be from 100 to 1000000";
        }
    }
}
