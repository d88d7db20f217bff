using Microsoft.Extensions.Logging;

namespace Edge.Gateway.Cloud;

/// <summary>Cloud log messages (event ids 2000-2099). Reasons come from the transport and never contain secrets.</summary>
internal static partial class CloudLog
{
    [LoggerMessage(2000, LogLevel.Information, "Cloud connected ({Mode})")]
    public static partial void Connected(ILogger logger, CloudMode mode);

    [LoggerMessage(2001, LogLevel.Warning, "Cloud connection lost or refused ({Mode}): {Reason}. Messages wait in the outbox.")]
    public static partial void Lost(ILogger logger, CloudMode mode, string? reason);

    [LoggerMessage(2002, LogLevel.Information, "Cloud sync starting: {Mode}, {Pending} messages waiting in the outbox")]
    public static partial void Starting(ILogger logger, CloudMode mode, long pending);
}
