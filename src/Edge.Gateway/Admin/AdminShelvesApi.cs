using System.Text.Json.Nodes;
using Edge.Gateway.Commands;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Admin;

/// <summary>
/// The shelves as a technician works on them: their calibration, live raw readings, tare, guided calibration and
/// SKU assignment. The readings come from the running sampler, so what the technician sees is what the gateway counts.
/// </summary>
internal static class AdminShelvesApi
{
    /// <summary>A reading older than this is no reading: the chip stopped answering.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(2);

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/shelves", (ShelfService shelves, ShelfLayout layout, TimeProvider time) =>
            Results.Json(layout.Shelves.Select(s => Describe(s, shelves.Find(s.Id), time.GetUtcNow()))));

        admin.MapGet("/shelves/{shelfId}/reading", (string shelfId, ShelfService shelves, ShelfLayout layout, TimeProvider time) =>
            shelves.Find(shelfId) is { } p && layout.Find(shelfId) is { } s
                ? Results.Json(Reading(s, p, time.GetUtcNow()))
                : NoShelf(shelfId));

        admin.MapPost("/shelves/{shelfId}/tare", async (string shelfId, HttpContext http, CommandDispatcher commands) =>
            Reply(await commands.SendAsync(new TareShelf(shelfId), CommandSource.AdminApi, http.RequestAborted)));

        admin.MapPost("/shelves/{shelfId}/calibration", CalibrateAsync);

        // What diag shows of each HX711: its measured sample rate against the strapped one, and its frames.
        admin.MapGet("/hx711", (ShelfService shelves, ShelfLayout layout, TimeProvider time) => Results.Json(layout.Shelves.Select(s =>
        {
            SlotPipeline? p = shelves.Find(s.Id);
            (long accepted, long rejected)? frames = shelves.FramesOf(s.Id);
            RawSnapshot? r = p?.Live.Snapshot(p.Calibration, time.GetUtcNow(), StaleAfter);
            long total = (frames?.accepted ?? 0) + (frames?.rejected ?? 0);
            return new JsonObject
            {
                ["shelfId"] = s.Id,
                ["dataRate"] = (int)s.DataRate,
                ["samplesPerSecond"] = r?.Samples ?? 0,
                ["answering"] = r is not null,
                ["accepted"] = frames?.accepted,
                ["rejected"] = frames?.rejected,
                ["rejectionRate"] = total == 0 ? null : Math.Round((double)frames!.Value.rejected / total, 4),
                ["status"] = p?.Status.ToString().ToLowerInvariant(),
            };
        })));
    }

    /// <summary>One shelf with its calibration and, when it answers, its reading.</summary>
    private static JsonObject Describe(ShelfOptions s, SlotPipeline? p, DateTimeOffset now) => new()
    {
        ["id"] = s.Id,
        ["zone"] = s.Zone,
        ["sku"] = s.Sku,
        ["name"] = s.Name,
        ["unitWeightGrams"] = s.UnitWeightGrams,
        ["dataRate"] = s.DataRate.ToString(),
        ["status"] = p?.Status.ToString().ToLowerInvariant(),
        ["count"] = p is { HasCount: true } ? p.Count : null,
        ["tareGrams"] = p is null ? null : Math.Round(p.TareGrams, 2),
        ["gramsPerCount"] = p?.Calibration.GramsPerCount,
        ["reading"] = p is null ? null : Reading(s, p, now),
    };

    private static JsonObject? Reading(ShelfOptions s, SlotPipeline p, DateTimeOffset now)
    {
        if (p.Live.Snapshot(p.Calibration, now, StaleAfter) is not { } r)
        {
            return new JsonObject { ["shelfId"] = s.Id, ["raw"] = null, ["status"] = p.Status.ToString().ToLowerInvariant(), ["error"] = "no reading from the HX711 in the last 2 s" };
        }

        double perCount = Math.Abs(p.Calibration.GramsPerCount);
        return new JsonObject
        {
            ["shelfId"] = s.Id,
            ["raw"] = Math.Round(r.Raw, 1),
            ["rawStd"] = Math.Round(r.RawStd, 1),
            ["grams"] = Math.Round(p.Calibration.ToGrams(r.Raw) - p.TareGrams, 1),
            ["gramsStd"] = Math.Round(r.RawStd * perCount, 2),
            ["gramsPerCount"] = p.Calibration.GramsPerCount,
            ["samplesPerSecond"] = r.Samples,
            ["stableSeconds"] = Math.Round(r.Stable.TotalSeconds, 1),
            ["status"] = p.Status.ToString().ToLowerInvariant(),
            ["at"] = r.At,
        };
    }

    private static async Task<IResult> CalibrateAsync(string shelfId, HttpContext http, CommandDispatcher commands, ShelfService shelves)
    {
        if (shelves.Find(shelfId) is null)
        {
            return NoShelf(shelfId);
        }

        JsonObject body;
        CalibrationRun run;
        double maxError;
        try
        {
            body = await AdminJson.ReadObjectAsync(http.Request);
            run = new CalibrationRun(AdminJson.Number(body, "rawEmpty"), AdminJson.Number(body, "rawKnown"), AdminJson.Number(body, "knownGrams"), AdminJson.Number(body, "rawVerify"), AdminJson.Number(body, "verifyGrams"));
            maxError = body.ContainsKey("maxErrorPercent") ? AdminJson.Number(body, "maxErrorPercent") : CalibrationRun.DefaultMaxErrorPercent;
            if (!(maxError > 0) || maxError > 50)
            {
                throw new LayoutException("maxErrorPercent must be above 0 and at most 50");
            }
        }
        catch (LayoutException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: ex.Status);
        }

        if (run.Problem() is { } problem)
        {
            return Results.Json(new { error = problem }, statusCode: StatusCodes.Status400BadRequest);
        }

        var figures = new JsonObject
        {
            ["shelfId"] = shelfId,
            ["gramsPerCount"] = run.Calibration.GramsPerCount,
            ["verifyGrams"] = run.VerifyGrams,
            ["measuredVerifyGrams"] = Math.Round(run.MeasuredVerifyGrams, 2),
            ["errorPercent"] = Math.Round(run.ErrorPercent, 3),
            ["maxErrorPercent"] = maxError,
        };
        if (run.ErrorPercent > maxError)
        {
            figures["saved"] = false;
            figures["error"] = $"verification read {run.MeasuredVerifyGrams:F1} g for {run.VerifyGrams} g: {run.ErrorPercent:F2} % off, more than the {maxError} % allowed; nothing was saved (check the weights and that nothing touches the shelf)";
            return Results.Json(figures, statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        CommandResult result = await commands.SendAsync(new RecalibrateShelf(shelfId, run.Calibration, TareGrams: 0), CommandSource.AdminApi, http.RequestAborted);
        if (result.Outcome != CommandOutcome.Done)
        {
            return Reply(result);
        }

        figures["saved"] = true;
        return Results.Json(figures);
    }

    public static IResult Reply(CommandResult result) => Results.Json(result.Body, statusCode: (int)result.Outcome);

    private static IResult NoShelf(string id) => Results.Json(new { error = $"no shelf '{id}'" }, statusCode: StatusCodes.Status404NotFound);
}
