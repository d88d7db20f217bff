using System.Text.Json.Nodes;
using Edge.Gateway.Commands;

namespace Edge.Gateway.Shelves;

/// <summary>Sets a shelf's tare to its current still load; refused unless the shelf is still, not faulted and empty.</summary>
public sealed record TareShelf(string ShelfId) : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "tare";
}

/// <summary>
/// Stores a technician's two-point calibration for a shelf; the count is then measured afresh. With
/// <paramref name="TareGrams"/> the tare is set too (a guided calibration measured the empty shelf as 0 g); without,
/// the shelf keeps its tare.
/// </summary>
public sealed record RecalibrateShelf(string ShelfId, Calibration Calibration, double? TareGrams = null) : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "recalibrate";
}

/// <summary>Power-cycles every HX711; the shelves re-acquire their level.</summary>
public sealed record RestartSampler : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "restart-sampler";
}

/// <summary>Handles the shelf commands on the reader thread, where every change to a pipeline happens.</summary>
internal sealed class ShelfCommandHandlers(ShelfService shelves, ShelfRepository repository) :
    ICommandHandler<TareShelf>, ICommandHandler<RecalibrateShelf>, ICommandHandler<RestartSampler>
{
    public async Task<CommandResult> HandleAsync(TareShelf command, CancellationToken cancellationToken)
    {
        if (shelves.Find(command.ShelfId) is not { } pipeline)
        {
            return NoShelf(command.ShelfId);
        }

        (double? tare, string? refusal) = await shelves.OnReaderAsync(() => pipeline.TareRefusal() is { } why ? ((double?)null, why) : (pipeline.Tare(), null), cancellationToken);
        return tare is null
            ? CommandResult.Failed(CommandOutcome.Conflict, $"shelf '{command.ShelfId}' {refusal ?? "cannot be tared now"}")
            : CommandResult.Done(new JsonObject { ["shelfId"] = command.ShelfId, ["tareGrams"] = Math.Round(tare.Value, 1) });
    }

    public async Task<CommandResult> HandleAsync(RecalibrateShelf command, CancellationToken cancellationToken)
    {
        if (shelves.Find(command.ShelfId) is not { } pipeline)
        {
            return NoShelf(command.ShelfId);
        }

        if (command.Calibration.Problem() is { } problem)
        {
            return CommandResult.Failed(CommandOutcome.Invalid, problem);
        }

        // Stored first: a calibration that was applied but lost at a restart would silently change every count.
        repository.SaveCalibration(command.ShelfId, command.Calibration);
        try
        {
            await shelves.OnReaderAsync(
                () =>
                {
                    pipeline.Recalibrate(command.Calibration, command.TareGrams ?? pipeline.TareGrams);
                    return true;
                },
                cancellationToken);
        }
        catch (ShelfReaderTimeoutException ex)
        {
            string tare = command.TareGrams is null ? "" : " (the tare given with it is not kept)";
            return CommandResult.Failed(CommandOutcome.Unavailable, $"calibration of shelf '{command.ShelfId}' stored, but not applied now: {ex.Reason}; it applies at the next start{tare}");
        }

        return CommandResult.Done(new JsonObject { ["shelfId"] = command.ShelfId, ["gramsPerCount"] = command.Calibration.GramsPerCount });
    }

    public async Task<CommandResult> HandleAsync(RestartSampler command, CancellationToken cancellationToken) =>
        CommandResult.Done(new JsonObject { ["chips"] = await shelves.RestartSamplerAsync(cancellationToken) });

    private static CommandResult NoShelf(string id) => CommandResult.Failed(CommandOutcome.NotFound, $"no shelf '{id}'");
}
