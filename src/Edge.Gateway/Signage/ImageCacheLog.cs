namespace Edge.Gateway.Signage;

/// <summary>Image cache log messages (event ids 1300-1309). URLs through <see cref="ImageCache.Loggable"/> only: no query, no user info.</summary>
internal static partial class ImageCacheLog
{
    [LoggerMessage(1300, LogLevel.Information, "Image {Url} cached as {Key}")]
    public static partial void Cached(ILogger logger, string url, string key);

    [LoggerMessage(1301, LogLevel.Warning, "Image {Url} refused: {Reason}. Not fetched again for {RetryAfter}")]
    public static partial void Refused(ILogger logger, string url, string reason, TimeSpan retryAfter);

    [LoggerMessage(1302, LogLevel.Warning, "Image {Url} could not be fetched or stored. Not fetched again for {RetryAfter}")]
    public static partial void Failed(ILogger logger, string url, TimeSpan retryAfter, Exception exception);

    [LoggerMessage(1303, LogLevel.Debug, "Image fetch queue full ({Capacity}); the URL is queued when it is asked for again")]
    public static partial void QueueFull(ILogger logger, int capacity);

    [LoggerMessage(1304, LogLevel.Warning, "Image cache full ({MaxEntries} URLs): images of further catalog items are not cached")]
    public static partial void Full(ILogger logger, int maxEntries);

    [LoggerMessage(1305, LogLevel.Information, "{Count} cached images in {Folder}; {Removed} unfinished downloads removed")]
    public static partial void Loaded(ILogger logger, int count, int removed, string folder);

    [LoggerMessage(1306, LogLevel.Warning, "Image folder {Folder} could not be read; starting without the images cached in it")]
    public static partial void ScanFailed(ILogger logger, string folder, Exception exception);

    [LoggerMessage(1307, LogLevel.Warning, "Cached image {File} could not be opened")]
    public static partial void Unreadable(ILogger logger, string file, Exception exception);

    [LoggerMessage(1308, LogLevel.Error, "A subscriber to ImageCache.Fetched failed; the fetch loop goes on")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception);
}

/// <summary>Signage hub log messages (event ids 1310-1319).</summary>
internal static partial class SignageLog
{
    [LoggerMessage(1310, LogLevel.Error, "Screens' content could not be built; they keep what they show and it is tried again each second")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
