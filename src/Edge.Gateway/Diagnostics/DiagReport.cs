using System.Text;
using System.Text.Json;

namespace Edge.Gateway.Diagnostics;

/// <summary>Renders diag checks for a technician (one aligned line each) or for a script (<c>--json</c>).</summary>
public static class DiagReport
{
    private const int StatusWidth = 6;
    private const int MinNameWidth = 8;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One line per check: status and name in fixed-width columns, then the detail.</summary>
    public static IReadOnlyList<string> ToLines(IEnumerable<DiagCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        List<DiagCheck> list = [.. checks];
        // The column fits the longest name ("databases"), so the details start in one column.
        int nameWidth = Math.Max(MinNameWidth, list.Count == 0 ? 0 : list.Max(c => c.Name.Length) + 1);
        return [.. list.Select(c => StatusText(c.Status).PadRight(StatusWidth) + c.Name.PadRight(nameWidth) + OneLine(c.Detail))];
    }

    /// <summary><c>{"checks":[{"name","status","detail","data"}],"ok"}</c>; <c>ok</c> is false when any check failed.</summary>
    public static string ToJson(IEnumerable<DiagCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        bool ok = true;
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Json.Encoder }))
        {
            w.WriteStartObject();
            w.WriteStartArray("checks");
            foreach (DiagCheck c in checks)
            {
                ok &= c.Status != CheckStatus.Fail;
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", StatusText(c.Status));
                w.WriteString("detail", c.Detail);
                // Always an object, so a script can index into it without checking for null first.
                w.WriteStartObject("data");
                foreach ((string key, object? value) in c.Data ?? new Dictionary<string, object?>())
                {
                    w.WritePropertyName(key);
                    JsonSerializer.Serialize(w, value, value?.GetType() ?? typeof(object), Json);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteBoolean("ok", ok);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The lower-case word for a status, as both outputs spell it.</summary>
    public static string StatusText(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warn",
        CheckStatus.Fail => "fail",
        CheckStatus.Skip => "skip",
        _ => status.ToString().ToLowerInvariant(),
    };

    // A detail can carry an exception message or a file's content: a line break would break the one-line-per-check promise.
    private static string OneLine(string detail) => detail.ReplaceLineEndings(" ");
}
