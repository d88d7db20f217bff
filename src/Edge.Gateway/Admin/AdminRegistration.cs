using Edge.Cloud.Outbox;
using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;
using Edge.Gateway.Signage;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Admin;

/// <summary>
/// Registers the technician's admin API (<c>/api/admin/*</c>, every endpoint behind the admin token) and page
/// (<c>/admin</c>, which asks for the token and then uses the API). With <c>Admin:Urls</c> the admin endpoints answer
/// only on their own listeners.
/// </summary>
public static class AdminRegistration
{
    /// <summary>Binds <c>Admin</c>, validated at start.</summary>
    public static IServiceCollection AddAdminOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<AdminOptions, AdminOptionsValidator>("Admin").Services;

    /// <summary>
    /// Adds the guard and the restart, and makes Kestrel listen on the admin URLs too. Returns the admin listeners
    /// (none when shared with the gateway's listener).
    /// </summary>
    public static AdminListeners AddAdmin(this WebApplicationBuilder builder, AdminOptions options, string[] gatewayUrls, bool simulated, SiteContext site)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.AddAdminOptions();
        string[] urls = options.Resolve(simulated);
        var listeners = new AdminListeners([.. urls.Select(u => new Uri(u).Port)], urls);
        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton(site);
        builder.Services.AddSingleton<AdminGuard>();
        builder.Services.AddSingleton<GatewayRestart>();
        builder.WebHost.UseUrls([.. gatewayUrls, .. urls]);
        return listeners;
    }

    /// <summary>Maps <c>/admin</c> and <c>/api/admin/*</c>.</summary>
    public static WebApplication MapAdmin(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        AdminListeners listeners = app.Services.GetRequiredService<AdminListeners>();
        string page = SignagePages.Load("admin.html");
        app.MapGet("/admin", (HttpContext http) =>
            listeners.Ports.Count > 0 && !listeners.Ports.Contains(http.Connection.LocalPort)
                ? Results.NotFound()
                : Results.Content(page, "text/html; charset=utf-8", System.Text.Encoding.UTF8));

        // The one guard of the container, not one per endpoint: failures count per address across every endpoint.
        AdminGuard guard = app.Services.GetRequiredService<AdminGuard>();
        RouteGroupBuilder admin = app.MapGroup("/api/admin").AddEndpointFilter((context, next) => guard.InvokeAsync(context, next));
        admin.MapGet("/session", (IOptions<GatewayOptions> gateway, IOptions<StoreOptions> store, Shelves.ShelfLayout layout) => Results.Json(new
        {
            gatewayId = gateway.Value.Id,
            storeId = store.Value.Id,
            storeName = store.Value.Name,
            mode = layout.Simulated ? "simulated" : "hardware",
            shelves = layout.Shelves.Count,
        }));
        admin.MapGet("/outbox", (IServiceProvider services, IOptions<CloudOptions> cloud, TimeProvider time) =>
            services.GetService<DurableOutbox>() is { } outbox
                ? Results.Json(OutboxStatus.Of(outbox, cloud.Value.Mode.ToString(), time.GetUtcNow()))
                : Results.Json(OutboxStatus.None()));
        admin.MapGet("/clock", Clock.ClockRegistration.Status);
        AdminShelvesApi.Map(admin);
        AdminLayoutApi.Map(admin);
        return app;
    }
}
