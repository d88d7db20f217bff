
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

    [LoggerMessage(2003, LogLevel.Warning, "A stored live setting no longer applies and was skipped: {Key}")]
    public static partial void StoredSettingSkipped(ILogger logger, string key);

    [LoggerMessage(2007, LogLevel.Warning, "A stored live setting was not applied at start and applies at the next one: {Key}: {Reason}")]
    public static partial void StoredSettingNotApplied(ILogger logger, string key, string reason);

    [LoggerMessage(2004, LogLevel.Information, "Reported configuration not published now ({Reason}); it is published on the next connect")]
    public static partial void ReportFailed(ILogger logger, string reason);

    [LoggerMessage(2006, LogLevel.Error, "The cloud refused message {MessageId} ({Stream} #{Seq}) for good: {Reason}. It is kept aside in the outbox file; the next one is sent.")]
    public static partial void DeadLettered(ILogger logger, string messageId, string stream, long seq, string reason);

    [LoggerMessage(2005, LogLevel.Error, "Handling the inbound message {What} failed; the next one is handled as usual")]
    public static partial void InboundFailed(ILogger logger, string what, Exception exception);
}
