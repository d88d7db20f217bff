using System.Net;
using System.Reflection;
using System.Text;

namespace Edge.Gateway.Signage;

/// <summary>The pages the gateway serves, from templates embedded in the assembly (nothing is fetched at run time).</summary>
public static class SignagePages
{
    private static readonly Lazy<string> ScreenTemplate = new(() => Load("screen.html"));

    /// <summary>A screen's page with its current content inline, so it renders before the stream connects.</summary>
    public static string Screen(ScreenPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return ScreenTemplate.Value
            .Replace("{{TITLE}}", WebUtility.HtmlEncode($"{payload.Content.StoreName} · {payload.Content.ScreenId}"), StringComparison.Ordinal)
            .Replace("{{CONTENT}}", Inline(payload.Json), StringComparison.Ordinal);
    }

    /// <summary>The page for a screen id that does not exist: which ones do.</summary>
    public static string UnknownScreen(string id, IEnumerable<ScreenOptions> screens)
    {
        ArgumentNullException.ThrowIfNull(id);
        var list = new StringBuilder();
        foreach (ScreenOptions s in screens)
        {
            string href = "/signage/" + Uri.EscapeDataString(s.Id);
            list.Append("<li><a href=\"").Append(WebUtility.HtmlEncode(href)).Append("\">").Append(WebUtility.HtmlEncode(s.Id)).Append("</a> (")
                .Append(WebUtility.HtmlEncode(s.Zone)).Append(")</li>");
        }

        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>No such screen</title>"
            + "<style>body{font-family:sans-serif;background:#10151c;color:#f4f6f8;font-size:28px;padding:48px}a{color:#7cc4ff}</style></head><body>"
            + $"<h1>No screen '{WebUtility.HtmlEncode(id)}'</h1><p>This gateway has these screens:</p><ul>{list}</ul><p><a href=\"/\">Store dashboard</a></p></body></html>";
    }

    /// <summary>An embedded template by file name.</summary>
    public static string Load(string name)
    {
        Assembly assembly = typeof(SignagePages).Assembly;
        string resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        using Stream stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // JSON inside <script type="application/json">: a '<' can only be inside a string, where \u003c means the same
    // and can neither end the element nor open a comment.
    private static string Inline(byte[] json) => Encoding.UTF8.GetString(json).Replace("<", "\\u003c", StringComparison.Ordinal);
}
