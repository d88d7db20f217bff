using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Edge.Gateway.Signage;

/// <summary>The download half of the cache: hops, format, size and the atomic write.</summary>
public sealed partial class ImageCache
{
    internal static string Hash(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));

    /// <summary>The content type of <paramref name="key"/> if it is strictly <c>{64 lowercase hex}.{png|jpg|gif|webp}</c>, else null.</summary>
    internal static string? ContentType(string? key) =>
        key is { Length: > HashChars + 1 } && key[HashChars] == '.' && !key.AsSpan(0, HashChars).ContainsAnyExcept(LowerHex)
            ? key.AsSpan(HashChars + 1) switch { "png" => "image/png", "jpg" => "image/jpeg", "gif" => "image/gif", "webp" => "image/webp", _ => null }
            : null;

    /// <summary>The extension of an image by its first 12 bytes, or null for anything else (SVG, HTML, an error page).</summary>
    internal static string? Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "png",
        [0xFF, 0xD8, 0xFF, ..] => "jpg",
        [0x47, 0x49, 0x46, 0x38, 0x37 or 0x39, 0x61, ..] => "gif", // GIF87a, GIF89a
        [0x52, 0x49, 0x46, 0x46, _, _, _, _, 0x57, 0x45, 0x42, 0x50, ..] => "webp", // RIFF....WEBP
        _ => null,
    };

    /// <summary>What a log may show of a URL: scheme, host, port and path; never the query (signed URLs carry tokens) or user info.</summary>
    internal static string Loggable(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(invalid URL)";

    // Redirects are followed here, not by the handler, so that each hop's scheme is checked and there are at most 3.
    private async Task<(string? Key, string? Refusal)> DownloadAsync(string url, CancellationToken token)
    {
        var uri = new Uri(url);
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                uri = new Uri(uri, location);
                if (hop == MaxRedirects || uri.Scheme is not ("http" or "https"))
                {
                    return (null, hop == MaxRedirects ? "more than 3 redirects" : "redirected to a URL that is not http or https");
                }

                continue;
            }

            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > MaxImageBytes)
            {
                return (null, response.IsSuccessStatusCode ? "Content-Length over 2 MiB" : "HTTP " + (int)response.StatusCode);
            }

            await using Stream body = await response.Content.ReadAsStreamAsync(token);
            return await StoreAsync(url, body, token);
        }
    }

    private async Task<(string? Key, string? Refusal)> StoreAsync(string url, Stream body, CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        string? part = null;
        try
        {
            int head = 0;
            for (int n; head < 12 && (n = await body.ReadAsync(buffer.AsMemory(head), token)) > 0;)
            {
                head += n;
            }

            // The format is the bytes', never the Content-Type's: a server that calls an SVG image/png gets no say.
            string? ext = Sniff(buffer.AsSpan(0, head));
            if (ext is null)
            {
                bool markup = buffer.AsSpan(0, head).TrimStart(" \t\r\n\uFEFF"u8).StartsWith("<"u8);
                return (null, markup ? "markup (SVG or HTML), which can carry script" : "not a PNG, JPEG, GIF or WebP image");
            }

            string key = Hash(url) + "." + ext;
            Directory.CreateDirectory(_dir);
            part = Path.Combine(_dir, key + PartSuffix);
            await using (var file = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(buffer.AsMemory(0, head), token);
                long total = head;
                for (int n; (n = await body.ReadAsync(buffer, token)) > 0;)
                {
                    // Counted as it streams: no Content-Length (chunked) or a wrong one is no way past the limit.
                    if ((total += n) > MaxImageBytes)
                    {
                        return (null, "body over 2 MiB");
                    }

                    await file.WriteAsync(buffer.AsMemory(0, n), token);
                }

                // On the card before the rename: after a power cut, the image's name never points at an unwritten file.
                file.Flush(flushToDisk: true);
            }

            File.Move(part, Path.Combine(_dir, key), overwrite: true);
            part = null;
            return (key, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (part is not null)
            {
                File.Delete(part); // if even this fails, the next start deletes it
            }
        }
    }
}
