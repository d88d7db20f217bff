using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Edge.Gateway.Signage;
using Edge.Gateway.Tests.Commands;
using Edge.Gateway.Tests.FaultInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Signage;

/// <summary>The image cache against a real local HTTP server that serves images, impostors and faults.</summary>
public sealed class ImageCacheTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] Png = TinyPng();
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .."JFIF"u8, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9];
    private static readonly byte[] Svg = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray();

    private readonly string _dataDir = Directory.CreateTempSubdirectory("edge-images-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogs _logs = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private WebApplication _server = null!;
    private string _base = "";

    private string ImagesDir => Path.Combine(_dataDir, "images");

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.Use((ctx, next) =>
        {
            _hits.AddOrUpdate(ctx.Request.Path.Value!, 1, (_, n) => n + 1);
            return next(ctx);
        });
        _server.MapGet("/png", () => Results.Bytes(Png, "image/png"));
        _server.MapGet("/jpeg", () => Results.Bytes(Jpeg, "text/plain")); // the type is the bytes', not the header's
        _server.MapGet("/svg", () => Results.Bytes(Svg, "image/png"));
        _server.MapGet("/big", () => Results.Bytes(PngHeaded(3 * 1024 * 1024), "image/png"));
        _server.MapGet("/big-chunked", async (HttpContext ctx) =>
        {
            byte[] big = PngHeaded(3 * 1024 * 1024);
            for (int i = 0; i < big.Length; i += 64 * 1024)
            {
                await ctx.Response.Body.WriteAsync(big.AsMemory(i, 64 * 1024), ctx.RequestAborted); // no Content-Length: chunked
            }
        });
        _server.MapGet("/short", async (HttpContext ctx) =>
        {
            ctx.Response.ContentLength = 4096; // says 4 KiB, sends 100 bytes and hangs up
            await ctx.Response.Body.WriteAsync(PngHeaded(100), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            ctx.Abort();
        });
        _server.MapGet("/missing", () => Results.NotFound());
        _server.MapGet("/hang", async (HttpContext ctx) => await Task.Delay(Timeout.Infinite, ctx.RequestAborted));
        _server.MapGet("/stall", async (HttpContext ctx) =>
        {
            await ctx.Response.Body.WriteAsync(PngHeaded(16), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted); // headers and a first chunk, then nothing
        });
        _server.MapGet("/redirect-ftp", () => Results.Redirect("ftp://127.0.0.1/x.png"));
        _server.MapGet("/hops/{n:int}", (int n) => n == 0 ? Results.Bytes(Png, "image/png") : Results.Redirect($"/hops/{n - 1}"));
        _server.MapGet("/flaky", (HttpContext ctx) => _hits[ctx.Request.Path.Value!] == 1 ? Results.NotFound() : Results.Bytes(Png, "image/png"));
        _server.MapGet("/large-png", () => Results.Bytes(PngHeaded(600 * 1024), "image/png"));
        await _server.StartAsync();
        _base = _server.Urls.First();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task AnImage_IsFetchedOnce_ThenServedFromDisk()
    {
        using ImageCache cache = Cache();
        string url = _base + "/png";
        var fetched = new List<string>();
        cache.Fetched += fetched.Add;

        for (int i = 0; i < 50; i++)
        {
            Assert.Null(cache.LocalUrl(url));
        }

        Assert.Equal(1, cache.Queued);
        Assert.True(await cache.FetchNextAsync(Deadline()));
        string key = Sha256Hex(url) + ".png";
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal("/signage/images/" + key, cache.LocalUrl(url));
        }

        Assert.Equal(1, _hits["/png"]);
        Assert.Equal([url], fetched);
        Assert.Equal((1, 0L, 0), (cache.Cached, cache.Failed, cache.Queued));
        Assert.Equal([key], Files());
        Assert.True(cache.TryOpen(key, out Stream? content, out string? type));
        Assert.Equal("image/png", type);
        Assert.Equal(Png, ReadAll(content!));
    }

    [Fact]
    public async Task RunAsync_FetchesInTheBackground_TypingByContentNotHeader_AndStopsWhenCancelled()
    {
        using ImageCache cache = Cache();
        using var stop = new CancellationTokenSource();
        var landed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cache.Fetched += url => landed.TrySetResult(url);
        Task run = cache.RunAsync(stop.Token);

        Assert.Null(cache.LocalUrl(_base + "/jpeg"));
        Assert.Equal(_base + "/jpeg", await landed.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        string local = cache.LocalUrl(_base + "/jpeg")!;
        Assert.EndsWith(".jpg", local, StringComparison.Ordinal);
        Assert.True(cache.TryOpen(local["/signage/images/".Length..], out Stream? content, out string? type));
        content!.Dispose();
        Assert.Equal("image/jpeg", type);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ImagesCachedBeforeARestart_AreKnownWithoutARequest()
    {
        using (ImageCache first = Cache())
        {
            first.LocalUrl(_base + "/png");
            await first.FetchNextAsync(Deadline());
        }

        using ImageCache second = Cache();
        Assert.Equal("/signage/images/" + Sha256Hex(_base + "/png") + ".png", second.LocalUrl(_base + "/png"));
        Assert.Equal((1, 0), (second.Cached, second.Queued));
        Assert.Equal(1, _hits["/png"]);
    }

    [Fact]
    public void LeftoverPartFiles_AreDeletedAtStart_AndOnlyCompleteImagesAreKnown()
    {
        Directory.CreateDirectory(ImagesDir);
        string complete = Sha256Hex("http://cdn.example/a.png") + ".png";
        File.WriteAllBytes(Path.Combine(ImagesDir, complete), Png);
        File.WriteAllBytes(Path.Combine(ImagesDir, Sha256Hex("http://cdn.example/b.png") + ".png.part"), Png[..10]);

        using ImageCache cache = Cache();

        Assert.Equal([complete], Files());
        Assert.Equal(1, cache.Cached);
        Assert.Equal("/signage/images/" + complete, cache.LocalUrl("http://cdn.example/a.png"));
    }

    [Theory]
    [InlineData("/svg")]
    [InlineData("/big")]
    [InlineData("/big-chunked")]
    [InlineData("/short")]
    [InlineData("/missing")]
    [InlineData("/redirect-ftp")]
    [InlineData("/hops/4")]
    public async Task ARefusedImage_CountsAsFailed_AndLeavesNothingOnDisk(string path)
    {
        using ImageCache cache = Cache();

        cache.LocalUrl(_base + path);
        await cache.FetchNextAsync(Deadline());

        Assert.Equal((0, 1L, 0), (cache.Cached, cache.Failed, cache.Queued));
        Assert.Null(cache.LocalUrl(_base + path));
        Assert.Empty(Files());
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(_base + path, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/hang")]
    [InlineData("/stall")]
    public async Task AServerThatStopsAnswering_IsRefusedAtTheDeadline(string path)
    {
        using ImageCache cache = Cache(TimeProvider.System, TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        cache.LocalUrl(_base + path);
        await cache.FetchNextAsync(Deadline());

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        Assert.Equal((0, 1L), (cache.Cached, cache.Failed));
        Assert.Empty(Files());
    }

    [Fact]
    public async Task UpToThreeRedirects_AreFollowed()
    {
        using ImageCache cache = Cache();

        cache.LocalUrl(_base + "/hops/3");
        await cache.FetchNextAsync(Deadline());

        Assert.Equal("/signage/images/" + Sha256Hex(_base + "/hops/3") + ".png", cache.LocalUrl(_base + "/hops/3"));
        Assert.Equal(0, cache.Failed);
    }

    [Fact]
    public async Task AFailedUrl_IsQueuedAgainOnlyAfterRetryAfter()
    {
        using ImageCache cache = Cache();
        string url = _base + "/flaky";
        cache.LocalUrl(url);
        await cache.FetchNextAsync(Deadline());
        Assert.Equal(1, cache.Failed);

        _clock.Advance(ImageCache.RetryAfter - TimeSpan.FromSeconds(1));
        Assert.Null(cache.LocalUrl(url));
        Assert.Equal(0, cache.Queued);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(cache.LocalUrl(url));
        Assert.Equal(1, cache.Queued);
        await cache.FetchNextAsync(Deadline());

        Assert.NotNull(cache.LocalUrl(url));
        Assert.Equal(2, _hits["/flaky"]);
    }

    [Fact]
    public async Task TryOpen_RefusesEveryKeyItDidNotMake()
    {
        using ImageCache cache = Cache();
        cache.LocalUrl(_base + "/png");
        await cache.FetchNextAsync(Deadline());
        string key = Sha256Hex(_base + "/png") + ".png";
        string planted = new string('a', 64) + ".png"; // well formed, on disk, but never fetched by this cache
        File.WriteAllBytes(Path.Combine(ImagesDir, planted), Png);

        string[] refused =
        [
            "../etc/passwd", "", key[..64].ToUpperInvariant() + ".png", key[..64] + ".PNG", planted, key[..65] + "gif", key[..65] + "svg",
            key[..64], key + ".part", "../" + key, "images/" + key, key + "/", key + "\0", " " + key, key[..63] + "g.png", "..\\" + key,
        ];
        foreach (string bad in refused)
        {
            Assert.False(cache.TryOpen(bad, out Stream? content, out string? type), bad);
            Assert.Null(content);
            Assert.Null(type);
        }

        Assert.True(cache.TryOpen(key, out Stream? good, out _));
        good!.Dispose();
    }

    [Fact]
    public async Task AnImageDeletedByHand_IsNotServed_AndIsFetchedAgain()
    {
        using ImageCache cache = Cache();
        cache.LocalUrl(_base + "/png");
        await cache.FetchNextAsync(Deadline());
        string key = Sha256Hex(_base + "/png") + ".png";
        File.Delete(Path.Combine(ImagesDir, key));

        Assert.False(cache.TryOpen(key, out _, out _));
        Assert.Null(cache.LocalUrl(_base + "/png"));
        await cache.FetchNextAsync(Deadline());

        Assert.True(cache.TryOpen(key, out Stream? content, out _));
        Assert.Equal(Png, ReadAll(content!));
        Assert.Equal(2, _hits["/png"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ftp://127.0.0.1/a.png")]
    [InlineData("/relative/a.png")]
    [InlineData("data:image/png;base64,iVBORw0KGgo=")]
    public void LocalUrl_OfNoHttpUrl_IsNull_AndQueuesNothing(string? url)
    {
        using ImageCache cache = Cache();

        Assert.Null(cache.LocalUrl(url));
        Assert.Null(cache.LocalUrl("http://cdn.example/" + new string('x', 3000))); // over the length limit
        Assert.Equal(0, cache.Queued);
    }

    [Fact]
    public void ACatalogLargerThanTheLimits_StopsQueuingNewImages_WithoutARequest()
    {
        using ImageCache small = Cache(maxEntries: 3);
        for (int i = 0; i < 5; i++)
        {
            small.LocalUrl($"{_base}/png?i={i}");
        }

        Assert.Equal(3, small.Queued);

        using ImageCache cache = Cache();
        for (int i = 0; i < ImageCache.QueueCapacity + 100; i++)
        {
            cache.LocalUrl($"{_base}/png?i={i}");
        }

        Assert.Equal(ImageCache.QueueCapacity, cache.Queued);
        Assert.Empty(_hits);
    }

    [Fact]
    public async Task ALogLine_ShowsSchemeHostAndPath_NeverTheQuery()
    {
        using ImageCache cache = Cache();

        cache.LocalUrl(_base + "/missing?sig=s3cret-token");
        await cache.FetchNextAsync(Deadline());

        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(_base + "/missing", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, l => l.Message.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFullDisk_FailsTheFetch_LeavesNoPartFile_AndTheRetryAfterSucceeds()
    {
        using var disk = new SmallDisk(1);
        string filler = Path.Combine(disk.Path, "filler");
        File.WriteAllBytes(filler, new byte[900 * 1024]);
        using ImageCache cache = Cache(dataDir: disk.Path);
        string url = _base + "/large-png";

        cache.LocalUrl(url);
        await cache.FetchNextAsync(Deadline());
        Assert.Equal((0, 1L), (cache.Cached, cache.Failed));
        Assert.Empty(Directory.GetFiles(Path.Combine(disk.Path, "images")));
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(url, StringComparison.Ordinal));

        File.Delete(filler);
        _clock.Advance(ImageCache.RetryAfter);
        cache.LocalUrl(url);
        await cache.FetchNextAsync(Deadline());
        Assert.NotNull(cache.LocalUrl(url));
    }

    private ImageCache Cache(TimeProvider? time = null, TimeSpan? timeout = null, int maxEntries = ImageCache.MaxEntries, string? dataDir = null) =>
        new(dataDir ?? _dataDir, ImageCache.CreateHandler(), time ?? _clock, new Logger<ImageCache>(new LoggerFactory([_logs])), timeout ?? ImageCache.FetchTimeout, maxEntries);

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private string[] Files() => Directory.Exists(ImagesDir) ? Directory.GetFiles(ImagesDir).Select(f => Path.GetFileName(f)).ToArray() : [];

    private static string Sha256Hex(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));

    private static byte[] ReadAll(Stream content)
    {
        using (content)
        {
            var copy = new MemoryStream();
            content.CopyTo(copy);
            return copy.ToArray();
        }
    }

    /// <summary>A PNG signature followed by zeros: passes the format check, so only its size can refuse it.</summary>
    private static byte[] PngHeaded(int length)
    {
        var bytes = new byte[length];
        Png.AsSpan(0, 8).CopyTo(bytes);
        return bytes;
    }

    /// <summary>A valid 1x1 RGB PNG: signature, IHDR, IDAT (zlib), IEND, each chunk with its CRC-32.</summary>
    private static byte[] TinyPng()
    {
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
        var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write([0, 0xE3, 0x00, 0x0B]); // filter byte, then one red-ish pixel
        }

        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(MemoryStream png, string type, byte[] data)
    {
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(typed);
        uint crc = 0xFFFFFFFF;
        foreach (byte b in typed)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(word, ~crc);
        png.Write(word);
    }
}
