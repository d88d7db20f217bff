using System.Net;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Admin;

/// <summary>
/// Guards every admin endpoint: the request must arrive on an admin listener (when <c>Admin:Urls</c> gives the admin
/// API ports of its own) and carry the admin token as <c>Authorization: Bearer …</c>. Failed attempts are counted per
/// client address over a sliding minute; past <c>Admin:MaxFailedAttemptsPerMinute</c> the address gets 429 until its
/// oldest failure is a minute old, whatever it sends. The token is re-read when its file changes (a rotation by the
/// CLI applies at once), and never logged.
/// </summary>
public sealed class AdminGuard : IEndpointFilter
{
    /// <summary>Addresses whose failures are remembered at most; beyond, the stalest are forgotten.</summary>
    public const int MaxTrackedAddresses = 4096;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly string _dataDir;
    private readonly int _maxFailures;
    private readonly HashSet<int> _adminPorts;
    private readonly TimeProvider _time;
    private readonly ILogger<AdminGuard> _logger;
    private readonly Dictionary<IPAddress, Queue<DateTimeOffset>> _failures = [];
    private readonly Lock _lock = new();
    private (DateTime Written, AdminToken? Token) _token = (DateTime.MinValue, null);

    /// <summary>Created by DI.</summary>
    public AdminGuard(AdminListeners listeners, IOptions<AdminOptions> options, IOptions<Hosting.GatewayOptions> gateway, TimeProvider time, ILogger<AdminGuard> logger)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        _dataDir = gateway.Value.DataDir;
        _maxFailures = options.Value.MaxFailedAttemptsPerMinute;
        _adminPorts = listeners.Ports;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return Check(context.HttpContext) ?? await next(context);
    }

    /// <summary>Null when the request may proceed, else the response to give.</summary>
    public IResult? Check(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (_adminPorts.Count > 0 && !_adminPorts.Contains(http.Connection.LocalPort))
        {
            return Results.NotFound(); // the admin API is not served on the store network's listener
        }

        IPAddress address = http.Connection.RemoteIpAddress ?? IPAddress.None;
        DateTimeOffset now = _time.GetUtcNow();
        if (RetryAfter(address, now) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new { error = $"too many failed admin token attempts from this address; retry in {Math.Ceiling(wait.TotalSeconds)} s" }, statusCode: StatusCodes.Status429TooManyRequests);
        }

        string header = http.Request.Headers.Authorization.ToString();
        string? presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        AdminToken? token;
        try
        {
            token = Current();
        }
        catch (InvalidDataException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (token is null)
        {
            return Unauthorized(http, "no admin token is set on this gateway: create one on the gateway with 'edge-gateway admin token' (or 'edge-gateway provision')");
        }

        if (presented is not null && token.Matches(presented))
        {
            lock (_lock)
            {
                _failures.Remove(address);
            }

            return null;
        }

        int failures = Fail(address, now);
        AdminLog.AuthenticationFailed(_logger, address.ToString(), http.Request.Path, presented is null ? "no token" : "wrong token", failures);
        return Unauthorized(http, presented is null ? "this needs the admin token: send 'Authorization: Bearer <token>'" : "wrong admin token");
    }

    private static IResult Unauthorized(HttpContext http, string error)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Json(new { error }, statusCode: StatusCodes.Status401Unauthorized);
    }

    private AdminToken? Current()
    {
        string path = Path.Combine(_dataDir, AdminToken.FileName);
        DateTime written = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
        lock (_lock)
        {
            if (written != _token.Written)
            {
                _token = (written, written == DateTime.MinValue ? null : AdminToken.Load(_dataDir));
            }

            return _token.Token;
        }
    }

    private TimeSpan? RetryAfter(IPAddress address, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_failures.TryGetValue(address, out Queue<DateTimeOffset>? times))
            {
                return null;
            }

            while (times.Count > 0 && now - times.Peek() >= Window)
            {
                times.Dequeue();
            }

            return times.Count >= _maxFailures ? times.Peek() + Window - now : null;
        }
    }

    private int Fail(IPAddress address, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_failures.TryGetValue(address, out Queue<DateTimeOffset>? times))
            {
                if (_failures.Count >= MaxTrackedAddresses)
                {
                    IPAddress stalest = _failures.MinBy(p => p.Value.Count > 0 ? p.Value.Last() : DateTimeOffset.MinValue).Key;
                    _failures.Remove(stalest);
                }

                times = new Queue<DateTimeOffset>();
                _failures[address] = times;
            }

            times.Enqueue(now);
            return times.Count;
        }
    }
}

/// <summary>The local ports of the admin listeners; empty when the admin API shares the gateway's listener.</summary>
public sealed record AdminListeners(HashSet<int> Ports, string[] Urls);

/// <summary>Admin log messages (event ids 1200-1299). Never a token.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(1200, LogLevel.Warning, "Admin authentication failed from {Address} for {Path}: {Reason} ({Failures} failed in the last minute)")]
    public static partial void AuthenticationFailed(ILogger logger, string address, string path, string reason, int failures);

    [LoggerMessage(1201, LogLevel.Information, "Admin: {Action} by {Address}")]
    public static partial void Changed(ILogger logger, string action, string address);

    [LoggerMessage(1202, LogLevel.Information, "Admin API on {Urls}")]
    public static partial void Listening(ILogger logger, string urls);

    [LoggerMessage(1203, LogLevel.Warning, "Restarting to apply a change to {File}")]
    public static partial void Restarting(ILogger logger, string file);
}
