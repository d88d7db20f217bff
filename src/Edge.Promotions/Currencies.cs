using System.Globalization;

namespace Edge.Promotions;

/// <summary>ISO 4217 minor units: money is an integer in the currency's minor unit (JPY yen, USD cents).</summary>
public static class Currencies
{
    // ISO 4217 exponents other than 2, for the currencies a retailer is likely to price in.
    private static readonly Dictionary<string, int> Exponents = new(StringComparer.Ordinal)
    {
        ["JPY"] = 0, ["KRW"] = 0, ["VND"] = 0, ["CLP"] = 0, ["ISK"] = 0, ["UGX"] = 0, ["XAF"] = 0, ["XOF"] = 0,
        ["BHD"] = 3, ["IQD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["LYD"] = 3, ["OMR"] = 3, ["TND"] = 3,
    };

    /// <summary>Whether <paramref name="code"/> has the shape of an ISO 4217 code.</summary>
    public static bool IsCode(string code) =>
        code is { Length: 3 } && code.All(c => c is >= 'A' and <= 'Z');

    /// <summary>Digits after the decimal point: 0 for JPY, 2 for USD (and any code not listed).</summary>
    public static int Exponent(string currency) => Exponents.GetValueOrDefault(currency, 2);

    /// <summary>An amount in minor units in the currency's major unit, as invariant text: 1800 JPY → "1800", 1893 USD → "18.93".</summary>
    public static string Major(long minor, string currency)
    {
        int exponent = Exponent(currency);
        decimal value = minor;
        for (int i = 0; i < exponent; i++)
        {
            value /= 10;
        }

        return value.ToString("F" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
