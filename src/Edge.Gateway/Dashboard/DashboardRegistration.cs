using System.Text;
using Edge.Gateway.Signage;

namespace Edge.Gateway.Dashboard;

/// <summary>Registers the store dashboard at <c>/</c>, its state at <c>/api/dashboard</c> and its stream.</summary>
public static class DashboardRegistration
{
    /// <summary>Adds the dashboard's feed.</summary>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<DashboardFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DashboardFeed>());
        return builder;
    }

    /// <summary>Maps <c>GET /</c>, <c>GET /api/dashboard</c> and <c>GET /api/dashboard/events</c>.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string page = SignagePages.Load("dashboard.html");
        app.MapGet("/", (DashboardFeed feed) => Results.Content(
            page.Replace("{{SIMULATED}}", feed.Simulated ? "true" : "false", StringComparison.Ordinal), "text/html; charset=utf-8", Encoding.UTF8));
        app.MapGet("/api/dashboard", (DashboardFeed feed) => Results.Bytes(feed.Current.Length > 2 ? feed.Current : feed.Build(), "application/json"));
        app.MapGet("/api/dashboard/events", async (HttpContext context, DashboardFeed feed) =>
        {
            HttpResponse response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            CancellationToken aborted = context.RequestAborted;
            try
            {
                byte[] state = feed.Current.Length > 2 ? feed.Current : feed.Build();
                while (!aborted.IsCancellationRequested)
                {
                    await response.WriteAsync("event: state\ndata: ", aborted);
                    await response.Body.WriteAsync(state, aborted);
                    await response.WriteAsync("\n\n", aborted);
                    await response.Body.FlushAsync(aborted);
                    // Only the newest state is sent: a slow browser skips states rather than queue them.
                    state = await feed.NextAsync().WaitAsync(SignageRegistration.Heartbeat, aborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or TimeoutException)
            {
                // gone, or idle for a heartbeat: the browser reconnects
            }
        });
        return app;
    }
}
