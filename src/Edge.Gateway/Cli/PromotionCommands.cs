using System.CommandLine;
using System.Text;
using System.Text.Json;
using Edge.Gateway.Hosting;
using Edge.Promotions;

namespace Edge.Gateway.Cli;

/// <summary><c>promotions evaluate</c>: the engine for the online team and for conformance checks, one answer per input line.</summary>
internal static class PromotionCommands
{
    /// <summary>Longest input line taken (a promotion set for one product, not a catalog).</summary>
    public const int MaxLineBytes = 4 * 1024 * 1024;

    private static readonly JsonWriterOptions Writer = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Command Build()
    {
        var input = new Argument<string>("input") { Description = "- to read one JSON request per line from stdin, or a file of such lines" };
        var evaluate = new Command("evaluate",
            "Price products: each line {\"product\":{…},\"at\":\"…\",\"timeZone\":\"Asia/Tokyo\",\"channel\":\"store\",\"promotions\":[…]} " +
            "(optional \"audience\") gives one line {\"price\":n,\"promotionIds\":[…]} or {\"error\":\"…\"}.") { input };
        evaluate.SetAction(parse =>
        {
            string path = parse.GetValue(input)!;
            if (path != "-" && !File.Exists(path))
            {
                Console.Error.WriteLine($"error: no such file '{path}' (use - for stdin)");
                return ExitCodes.Usage;
            }

            using Stream source = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
            using Stream stdout = Console.OpenStandardOutput();
            Evaluate(source, stdout);
            return ExitCodes.Ok;
        });

        return new Command("promotions", "The promotion engine every channel shares (rules: the README's 'Store data and prices').") { evaluate };
    }

    /// <summary>Answers every line of <paramref name="input"/> on <paramref name="output"/>, in order; nothing in a line can stop the next.</summary>
    public static void Evaluate(Stream input, Stream output)
    {
        foreach (byte[]? line in Lines(input))
        {
            using (var w = new Utf8JsonWriter(output, Writer))
            {
                w.WriteStartObject();
                try
                {
                    Answer(w, line ?? throw new PromotionFormatException($"line: longer than {MaxLineBytes} bytes"));
                }
                catch (Exception ex) when (ex is PromotionFormatException or ArgumentException or JsonException or DecoderFallbackException or InvalidOperationException)
                {
                    w.WriteString("error", ex switch
                    {
                        DecoderFallbackException => "not valid UTF-8: " + ex.Message,
                        JsonException => "not a JSON object: " + ex.Message,
                        InvalidOperationException => "a string is not valid Unicode (a lone surrogate escape): " + ex.Message,
                        _ => ex.Message,
                    });
                }

                w.WriteEndObject();
            }

            output.WriteByte((byte)'\n');
        }

        output.Flush();
    }

    private static void Answer(Utf8JsonWriter w, byte[] line)
    {
        // Invalid UTF-8 is refused, never silently replaced: the answer would be for a different SKU.
        _ = StrictUtf8.GetCharCount(line);
        using JsonDocument doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        PromotionJson.Request r = PromotionJson.ReadRequest(doc.RootElement);
        Evaluation result = PromotionEngine.Evaluate(r.Product, r.At, r.Channel, r.TimeZone, r.Promotions, r.Audience);
        w.WriteNumber("price", result.Price);
        w.WriteStartArray("promotionIds");
        foreach (string id in result.PromotionIds)
        {
            w.WriteStringValue(id);
        }

        w.WriteEndArray();
    }

    // Raw lines (a trailing \r dropped); null for a line over the limit, which is skipped to its end.
    private static IEnumerable<byte[]?> Lines(Stream input)
    {
        var line = new MemoryStream();
        bool tooLong = false;
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                Append(line, buffer.AsSpan(start, i - start), ref tooLong);
                yield return Take(line, ref tooLong);
                start = i + 1;
            }

            Append(line, buffer.AsSpan(start, n - start), ref tooLong);
        }

        if (line.Length > 0 || tooLong)
        {
            yield return Take(line, ref tooLong);
        }
    }

    private static void Append(MemoryStream line, ReadOnlySpan<byte> bytes, ref bool tooLong)
    {
        if (!tooLong && line.Length + bytes.Length > MaxLineBytes)
        {
            tooLong = true;
            line.SetLength(0);
        }

        if (!tooLong)
        {
            line.Write(bytes);
        }
    }

    private static byte[]? Take(MemoryStream line, ref bool tooLong)
    {
        byte[]? result = tooLong ? null : line.GetBuffer().AsSpan(0, (int)line.Length).TrimEnd((byte)'\r').ToArray();
        line.SetLength(0);
        tooLong = false;
        return result;
    }
}
