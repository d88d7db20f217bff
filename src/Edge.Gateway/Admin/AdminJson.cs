using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Edge.Gateway.Admin;

/// <summary>Reads admin request bodies: one JSON object in strict UTF-8, each field checked with an error naming it.</summary>
internal static class AdminJson
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="LayoutException">The body is not a JSON object in UTF-8 (400).</exception>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        string text;
        try
        {
            text = Strict.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new LayoutException("the body is not valid UTF-8");
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new LayoutException("the body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new LayoutException("the body is not JSON: " + ex.Message);
        }
    }

    /// <summary>A finite number field.</summary>
    public static double Number(JsonObject body, string field)
    {
        try
        {
            return body[field] is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d)
                ? d
                : throw new LayoutException($"{field} must be a number");
        }
        catch (InvalidOperationException)
        {
            throw new LayoutException($"{field} must be a number");
        }
    }

    /// <summary>A non-empty string field of at most <paramref name="max"/> characters, or null when absent and optional.</summary>
    public static string? Text(JsonObject body, string field, bool required = true, int max = 200)
    {
        JsonNode? node = body[field];
        if (node is null)
        {
            return required ? throw new LayoutException($"{field} is required") : null;
        }

        string? s = node is JsonValue v && v.TryGetValue(out string? t) ? t : null;
        return s is { Length: > 0 } && s.Length <= max && !s.Any(char.IsControl)
            ? s
            : throw new LayoutException($"{field} must be a string of 1 to {max} characters without control characters");
    }
}
