using System.Buffers;
using System.Net;
using System.Threading.Channels;

namespace Edge.Gateway.Signage;

/// <summary>
/// Catalog product images fetched once, kept in <c>{dataDir}/images</c> and served from there, so signage renders with
/// the network cable pulled. Only PNG, JPEG, GIF and WebP are kept, recognised by their bytes (never SVG: it can carry
/// script). At most <see cref="MaxEntries"/> URLs are tracked: a larger catalog stops caching new images, it never
/// grows memory. Images are never evicted from disk.
/// </summary>
public sealed partial class ImageCache : IDisposable
{
    /// <summary>Largest image kept, in bytes; a larger one is refused, whatever its Content-Length said.</summary>
    public const long MaxImageBytes = 2 * 1024 * 1024;

    /// <summary>Deadline for one fetch, redirects and body included, so a server that accepts and never answers costs this much.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(15);

    /// <summary>A URL whose fetch failed is not fetched again before this much time has passed.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(10);

    /// <summary>URLs tracked at most (cached, waiting for a retry, or queued): with <see cref="MaxUrlLength"/>, at most some 40 MiB, typically 2.</summary>
    internal const int MaxEntries = 10_000;

    /// <summary>Longer image URLs are not cached (they are not served either: the page shows no image).</summary>
    internal const int MaxUrlLength = 2048;

    /// <summary>Fetches waiting at most; a URL asked for while it is full is not queued, and is queued when asked again.</summary>
    internal const int QueueCapacity = 1024;

    internal const int MaxRedirects = 3;

    private const string PathPrefix = "/signage/images/";
    private const string PartSuffix = ".part";
    private const int HashChars = 64;
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private readonly string _dir;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<ImageCache> _log;
    private readonly TimeSpan _timeout;
    private readonly int _maxEntries;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);   // url hash -> key (file name)
    private readonly Dictionary<string, DateTimeOffset> _retryAt = new(StringComparer.Ordinal); // url -> not before
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);             // queued or being fetched

    // Drop-new when full: nothing is lost, the next render asks again. Wait mode, because with DropWrite TryWrite
    // reports success for an item it dropped and the URL would stay marked as queued for ever.
    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
    private DateTimeOffset _nextPrune;
    private bool _fullLogged;
    private long _failed;

    /// <summary>Opens the cache over <c>{dataDir}/images</c> (created on the first fetch) and takes ownership of <paramref name="handler"/>; see <see cref="CreateHandler"/>.</summary>
    public ImageCache(string dataDir, HttpMessageHandler handler, TimeProvider time, ILogger<ImageCache> log)
        : this(dataDir, handler, time, log, FetchTimeout, MaxEntries)
    {
    }

    internal ImageCache(string dataDir, HttpMessageHandler handler, TimeProvider time, ILogger<ImageCache> log, TimeSpan timeout, int maxEntries)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        _dir = Path.Combine(dataDir, "images");
        _time = time;
        _log = log;
        _timeout = timeout;
        _maxEntries = maxEntries;
        // The wall-clock Timeout bounds the request up to its headers even under a test clock; the token in FetchAsync bounds the body too.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
        _http.DefaultRequestHeaders.Accept.ParseAdd("image/png, image/jpeg, image/gif, image/webp");
        Scan();
    }

    /// <summary>Images on disk.</summary>
    public int Cached => Locked(() => _files.Count);

    /// <summary>Fetches that failed or were refused since start.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Fetches queued or under way.</summary>
    internal int Queued => Locked(() => _queued.Count);

    /// <summary>Raised on the fetch loop with the original URL once its image is on disk: content that uses it can be recomputed.</summary>
    public event Action<string>? Fetched;

    /// <summary>A handler suited to the cache: redirects are followed by the cache (at most 3, http and https only), no cookies, no decompression.</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = FetchTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    };

    /// <summary>
    /// <c>/signage/images/{key}</c> when the image of <paramref name="imageUrl"/> is on disk; otherwise null, and the URL
    /// is queued for a fetch unless it is already queued or failed less than <see cref="RetryAfter"/> ago.
    /// </summary>
    public string? LocalUrl(string? imageUrl)
    {
        if (imageUrl is null || imageUrl.Length > MaxUrlLength || !Uri.TryCreate(imageUrl, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        string hash = Hash(imageUrl);
        lock (_gate)
        {
            if (_files.TryGetValue(hash, out string? key))
            {
                return PathPrefix + key;
            }

            if (_queued.Contains(imageUrl))
            {
                return null;
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (_retryAt.TryGetValue(imageUrl, out DateTimeOffset notBefore))
            {
                if (now < notBefore)
                {
                    return null;
                }

                _retryAt.Remove(imageUrl);
            }
            else if (!HasRoom(now))
            {
                return null;
            }

            if (_queue.Writer.TryWrite(imageUrl))
            {
                _queued.Add(imageUrl);
            }
            else
            {
                ImageCacheLog.QueueFull(_log, QueueCapacity);
            }
        }

        return null;
    }

    /// <summary>
    /// Opens the image of <paramref name="key"/> (the last segment of a <see cref="LocalUrl"/>) and its content type;
    /// false for anything that is not a key this cache made and holds, so no other file can ever be reached.
    /// </summary>
    public bool TryOpen(string key, out Stream? content, out string? contentType)
    {
        content = null;
        contentType = ContentType(key);
        if (contentType is null || !Locked(() => _files.TryGetValue(key[..HashChars], out string? known) && known == key))
        {
            contentType = null;
            return false;
        }

        try
        {
            content = new FileStream(Path.Combine(_dir, key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 16 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                Locked(() => _files.Remove(key[..HashChars])); // deleted by hand: the next LocalUrl fetches it again
            }

            ImageCacheLog.Unreadable(_log, key, ex);
            contentType = null;
            return false;
        }
    }

    /// <summary>The fetch loop: one fetch at a time, in the order asked, until <paramref name="cancellationToken"/> or <see cref="Dispose"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await FetchNextAsync(cancellationToken))
            {
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The loop's step: waits for the next queued URL and fetches it; false once the cache is disposed.</summary>
    internal async Task<bool> FetchNextAsync(CancellationToken cancellationToken)
    {
        string? url;
        while (!_queue.Reader.TryRead(out url))
        {
            if (!await _queue.Reader.WaitToReadAsync(cancellationToken))
            {
                return false;
            }
        }

        await FetchAsync(url, cancellationToken);
        return true;
    }

    /// <summary>Stops the fetch loop and releases the HTTP client.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _http.Dispose();
    }

    // Under _gate. Only retries that are due can make room; swept at most once per RetryAfter, not on every call when full.
    private bool HasRoom(DateTimeOffset now)
    {
        if (_files.Count + _retryAt.Count + _queued.Count >= _maxEntries && now >= _nextPrune)
        {
            _nextPrune = now + RetryAfter;
            foreach ((string url, DateTimeOffset notBefore) in _retryAt)
            {
                if (notBefore <= now)
                {
                    _retryAt.Remove(url); // allowed while enumerating a Dictionary since .NET Core 3.0
                }
            }
        }

        bool room = _files.Count + _retryAt.Count + _queued.Count < _maxEntries;
        if (!room && !_fullLogged)
        {
            _fullLogged = true;
            ImageCacheLog.Full(_log, _maxEntries);
        }

        return room;
    }

    private async Task FetchAsync(string url, CancellationToken cancellationToken)
    {
        string? key = null;
        try
        {
            // The whole fetch, body included, on the injected clock; HttpClient.Timeout alone stops at the headers.
            using var deadline = new CancellationTokenSource(_timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            (key, string? refusal) = await DownloadAsync(url, linked.Token);
            if (refusal is not null)
            {
                ImageCacheLog.Refused(_log, Loggable(url), refusal, RetryAfter);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Locked(() => _queued.Remove(url)); // shutting down: neither cached nor failed
            throw;
        }
        catch (OperationCanceledException)
        {
            ImageCacheLog.Refused(_log, Loggable(url), "no complete answer within the fetch timeout", RetryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException)
        {
            // The network (refused, cut mid-body) or the disk (full, read-only): the exception says which.
            ImageCacheLog.Failed(_log, Loggable(url), RetryAfter, ex);
        }

        lock (_gate)
        {
            _queued.Remove(url);
            if (key is not null)
            {
                _files[key[..HashChars]] = key;
            }
            else
            {
                _retryAt[url] = _time.GetUtcNow() + RetryAfter;
            }
        }

        if (key is null)
        {
            Interlocked.Increment(ref _failed);
            return;
        }

        ImageCacheLog.Cached(_log, Loggable(url), key);
        try
        {
            Fetched?.Invoke(url);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ImageCacheLog.SubscriberFailed(_log, ex); // one subscriber's bug must not stop the fetch loop
        }
    }

    private T Locked<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    private void Scan()
    {
        int removed = 0;
        try
        {
            if (!Directory.Exists(_dir))
            {
                return;
            }

            foreach (FileInfo file in new DirectoryInfo(_dir).EnumerateFiles())
            {
                if (file.Name.EndsWith(PartSuffix, StringComparison.Ordinal))
                {
                    // A fetch cut short by a crash or a power cut: never served, never completed.
                    file.Delete();
                    removed++;
                }
                else if (ContentType(file.Name) is not null && file.Length is > 0 and <= MaxImageBytes && _files.Count < _maxEntries)
                {
                    _files.TryAdd(file.Name[..HashChars], file.Name);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ImageCacheLog.ScanFailed(_log, _dir, ex);
        }

        ImageCacheLog.Loaded(_log, _files.Count, removed, _dir);
    }
}
