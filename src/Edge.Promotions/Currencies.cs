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

    // ISO 4217 currencies in circulation (list of 2025), precious metals and test codes left out.
    private static readonly HashSet<string> Codes = new(
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL".Split(' '), StringComparer.Ordinal);

    /// <summary>Whether <paramref name="code"/> is an ISO 4217 currency in circulation (JPY, USD, EUR, …).</summary>
    public static bool IsCode(string code) => code is not null && Codes.Contains(code);

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
