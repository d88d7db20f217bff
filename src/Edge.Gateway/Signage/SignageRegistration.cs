using System.Text;
using System.Text.Json;
using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;
using Edge.Promotions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Signage;

/// <summary>Registers digital signage: the screens, their content hub, images, proof of play, and their endpoints.</summary>
public static class SignageRegistration
{
    /// <summary>How long one write to a player may take before the player is dropped (it reconnects and catches up).</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A comment line is sent this often on an idle stream, so proxies and players know it is alive.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>Binds <c>Screens</c>, validated at start.</summary>
    public static IServiceCollection AddScreenOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<ScreensOptions, ScreensOptionsValidator>(ScreensOptions.Bind).Services;

    /// <summary>Adds the screens in force (<paramref name="screens"/>), the content hub and proof of play.</summary>
    public static WebApplicationBuilder AddSignage(this WebApplicationBuilder builder, ScreenList screens)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScreenOptions();
        builder.Services.AddSingleton(screens);
        builder.Services.AddSingleton(sp => new ImageCache(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DataDir, ImageCache.CreateHandler(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ImageCache>>()));
        builder.Services.AddHostedService<ImageFetcher>();
        builder.Services.AddSingleton<ScreenContentBuilder>();
        builder.Services.AddSingleton<SignageHub>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SignageHub>());
        builder.Services.AddSingleton<ProofOfPlayStore>();
        builder.Services.AddHealthChecks().AddCheck<SignageHealthCheck>("signage", tags: [GatewayHealth.Live]);
        return builder;
    }

    /// <summary>Maps the screens' pages, streams, images and reports, and <c>/api/screens</c> and <c>/api/proof-of-play</c>.</summary>
    public static WebApplication MapSignage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/signage", (SignageHub hub) => Results.Redirect(hub.Screens.Count > 0 ? "/signage/" + Uri.EscapeDataString(hub.Screens[0].Id) : "/"));
        app.MapGet("/signage/{screenId}", (string screenId, SignageHub hub) => hub.Current(screenId) is { } payload
            ? Html(SignagePages.Screen(payload), StatusCodes.Status200OK)
            : Html(SignagePages.UnknownScreen(screenId, hub.Screens), StatusCodes.Status404NotFound));
        app.MapGet("/signage/{screenId}/events", StreamAsync);
        app.MapPost("/signage/{screenId}/plays", ReportPlaysAsync);
        app.MapGet("/signage/images/{key}", (string key, ImageCache images, HttpResponse response) =>
        {
            if (!images.TryOpen(key, out Stream? content, out string? type))
            {
                return Results.NotFound(new { error = "no such image" });
            }

            // A key is the hash of its URL and never changes its bytes; the type is from the bytes, not to be guessed again.
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.Stream(content!, type, enableRangeProcessing: false);
        });
        app.MapGet("/api/screens", (SignageHub hub) => hub.Status());
        app.MapGet("/api/screens/{screenId}/content", (string screenId, SignageHub hub) => hub.Current(screenId) is { } payload
            ? Results.Bytes(payload.Json, "application/json")
            : UnknownScreen(screenId, hub));
        app.MapGet("/api/proof-of-play", (string? date, ProofOfPlayStore plays, PriceService prices, TimeProvider time) =>
        {
            DateOnly day;
            if (date is null)
            {
                day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), prices.TimeZone).DateTime);
            }
            else if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day))
            {
                return Results.BadRequest(new { error = "date must be a store-local date yyyy-MM-dd" });
            }

            DateTime local = day.ToDateTime(TimeOnly.MinValue);
            DateTimeOffset from = new(local, prices.TimeZone.GetUtcOffset(local));
            DateTimeOffset to = new(local.AddDays(1), prices.TimeZone.GetUtcOffset(local.AddDays(1)));
            return Results.Ok(new { date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), timeZone = prices.TimeZone.Id, hours = plays.Counts(from, to) });
        });
        return app;
    }

    private static IResult Html(string html, int status) => Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static IResult UnknownScreen(string screenId, SignageHub hub) =>
        Results.NotFound(new { error = $"no screen '{screenId}'", screens = hub.Screens.Select(s => s.Id) });

    private static async Task StreamAsync(string screenId, string? player, string? lastEventId, HttpContext context, SignageHub hub, TimeProvider time)
    {
        if (hub.Current(screenId) is null)
        {
            await UnknownScreen(screenId, hub).ExecuteAsync(context);
            return;
        }

        string playerId = PlayerIds.IsValid(player) ? player! : "anonymous-" + context.Connection.Id;
        if (hub.Connect(screenId, playerId) is not { } stream)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(new { error = $"screen '{screenId}' has {SignageHub.MaxPlayersPerScreen} players streaming already" });
            return;
        }

        try
        {
            HttpResponse response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            CancellationToken aborted = context.RequestAborted;
            // The browser sends the header when it reconnects by itself; the page's own reconnects pass it in the query.
            string? last = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? lastEventId;
            await WriteAsync(response, "retry: 2000\n\n"u8.ToArray(), aborted);
            ScreenPayload current = hub.Current(screenId)!;
            if (last != current.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                await WriteAsync(response, Event(current), aborted);
            }

            long sent = current.Version;
            while (!aborted.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                wait.CancelAfter(Heartbeat);
                ScreenPayload? next = null;
                try
                {
                    next = await stream.Next.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    // idle: a heartbeat
                }

                if (next is null)
                {
                    await WriteAsync(response, ": ping\n\n"u8.ToArray(), aborted);
                }
                else if (next.Version != sent)
                {
                    await WriteAsync(response, Event(next), aborted);
                    sent = next.Version;
                }

                hub.Seen(screenId, playerId);
            }
        }
        catch (OperationCanceledException)
        {
            // the player went away, or stopped reading for WriteTimeout
        }
        catch (IOException)
        {
        }
        finally
        {
            hub.Disconnect(stream);
        }
    }

    private static async Task WriteAsync(HttpResponse response, byte[] bytes, CancellationToken aborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(WriteTimeout);
        try
        {
            await response.Body.WriteAsync(bytes, deadline.Token);
            await response.Body.FlushAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            // A player that does not read holds a buffer; let it go.
            response.HttpContext.Abort();
            throw;
        }
    }

    private static byte[] Event(ScreenPayload payload)
    {
        byte[] head = Encoding.ASCII.GetBytes($"id: {payload.Version}\nevent: content\ndata: ");
        var bytes = new byte[head.Length + payload.Json.Length + 2];
        head.CopyTo(bytes, 0);
        payload.Json.CopyTo(bytes, head.Length);
        bytes[^2] = (byte)'\n';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    private static async Task<IResult> ReportPlaysAsync(string screenId, HttpRequest request, SignageHub hub, ProofOfPlayStore store)
    {
        if (hub.Current(screenId) is null)
        {
            return UnknownScreen(screenId, hub);
        }

        IReadOnlyList<Play> plays;
        try
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            plays = ProofOfPlayStore.Read(screenId, doc.RootElement);
        }
        catch (JsonException ex)
        {
            return Results.BadRequest(new { error = "body is not JSON: " + ex.Message });
        }
        catch (InvalidOperationException)
        {
            // A string that is not UTF-8 is found when it is read, not when the document is parsed.
            return Results.BadRequest(new { error = "body is not UTF-8" });
        }
        catch (PromotionFormatException ex)
        {
            return Results.BadRequest(new { error = ex.Message });
        }

        try
        {
            await store.StoreAsync(plays);
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Results.Json(new { error = "plays could not be stored: " + ex.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        foreach (string player in plays.Select(p => p.PlayerId).Distinct(StringComparer.Ordinal))
        {
            hub.Seen(screenId, player);
        }

        return Results.Ok(new { stored = plays.Count });
    }
}

/// <summary>Fetches catalog images in the background for the life of the gateway.</summary>
internal sealed class ImageFetcher(ImageCache images) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await images.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Signage for <c>/healthz</c>: each screen's players and content version, and the image cache. Never unhealthy.</summary>
internal sealed class SignageHealthCheck(SignageHub hub, ImageCache images) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(data: new Dictionary<string, object>
        {
            ["signage"] = new
            {
                screens = hub.Status().Select(s => new { id = s.Id, players = s.ConnectedPlayers, version = s.ContentVersion, online = s.Online }),
                images = new { cached = images.Cached, failed = images.Failed },
            },
        }));
}
