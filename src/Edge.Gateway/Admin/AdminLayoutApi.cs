using System.Text.Json.Nodes;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Admin;

/// <summary>The running gateway's data directory and command-line overrides, for changes checked as the next start will see them.</summary>
public sealed record SiteContext(string DataDir, IReadOnlyDictionary<string, string?> Overrides);

/// <summary>
/// The layout (shelves, beacons, screens, zones) through the admin API: list, add, change, remove. A change is
/// checked with every validator of the gateway, written to <c>site.json</c>, and applied by restarting the gateway
/// in its process once the response is out (<see cref="GatewayRestart"/>).
/// </summary>
internal static class AdminLayoutApi
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/layout/{kind}", (string kind, IConfiguration configuration) =>
            LayoutKind.Find(kind) is { } k ? Results.Json(SiteLayout.List(configuration, k)) : UnknownKind(kind));

        admin.MapPost("/layout/{kind}", (string kind, HttpContext http, SiteContext site, GatewayRestart restart, ILogger<GatewayRestart> log) =>
            ChangeAsync(kind, http, site.DataDir, restart, log, async k =>
            {
                JsonObject element = await AdminJson.ReadObjectAsync(http.Request);
                _ = AdminJson.Text(element, k.IdKey);
                SiteLayout.Add(site.DataDir, site.Overrides, k, element);
                return $"added {k.Name} '{element[k.IdKey]}'";
            }));

        admin.MapDelete("/layout/{kind}/{id}", (string kind, string id, HttpContext http, SiteContext site, GatewayRestart restart, ILogger<GatewayRestart> log) =>
            ChangeAsync(kind, http, site.DataDir, restart, log, k =>
            {
                SiteLayout.Remove(site.DataDir, site.Overrides, k, id);
                return Task.FromResult($"removed {k.Name} '{id}'");
            }));

        // Assigning a product to a shelf: the SKU and, optionally, what describes the product on that shelf.
        admin.MapPut("/shelves/{shelfId}/sku", (string shelfId, HttpContext http, SiteContext site, GatewayRestart restart, ILogger<GatewayRestart> log) =>
            ChangeAsync("shelves", http, site.DataDir, restart, log, async k =>
            {
                JsonObject body = await AdminJson.ReadObjectAsync(http.Request);
                var values = new Dictionary<string, JsonNode?> { ["Sku"] = AdminJson.Text(body, "sku", max: 64) };
                foreach ((string field, string key) in (ReadOnlySpan<(string, string)>)[("name", "Name"), ("nameJa", "NameJa")])
                {
                    if (AdminJson.Text(body, field, required: false) is { } text)
                    {
                        values[key] = text;
                    }
                }

                foreach ((string field, string key) in (ReadOnlySpan<(string, string)>)[("unitWeightGrams", "UnitWeightGrams"), ("price", "Price"), ("lowStockThreshold", "LowStockThreshold")])
                {
                    if (body.ContainsKey(field))
                    {
                        values[key] = AdminJson.Number(body, field);
                    }
                }

                SiteLayout.Update(site.DataDir, site.Overrides, k, shelfId, values);
                return $"assigned SKU {values["Sku"]} to shelf '{shelfId}'";
            }));

        admin.MapPost("/restart", (HttpContext http, GatewayRestart restart) =>
        {
            restart.After(http, "a technician's request");
            return Results.Json(new { restarting = true }, statusCode: StatusCodes.Status202Accepted);
        });
    }

    private static async Task<IResult> ChangeAsync(string kind, HttpContext http, string dataDir, GatewayRestart restart, ILogger log, Func<LayoutKind, Task<string>> change)
    {
        if (LayoutKind.Find(kind) is not { } k)
        {
            return UnknownKind(kind);
        }

        try
        {
            string done = await change(k);
            AdminLog.Changed(log, done, http.Connection.RemoteIpAddress?.ToString() ?? "?");
            restart.After(http, SiteFiles.SiteFile);
            return Results.Json(new { done, restarting = true, file = Path.Combine(dataDir, SiteFiles.SiteFile) }, statusCode: StatusCodes.Status202Accepted);
        }
        catch (LayoutException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: ex.Status);
        }
        catch (InvalidDataException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status409Conflict);
        }
        catch (IOException ex)
        {
            return Results.Json(new { error = "cannot write the layout: " + ex.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult UnknownKind(string kind) =>
        Results.Json(new { error = $"unknown layout kind '{kind}' (kinds: {string.Join(", ", LayoutKind.All.Select(k => k.Name))})" }, statusCode: StatusCodes.Status404NotFound);
}
