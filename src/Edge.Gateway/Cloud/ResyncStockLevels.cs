using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;
using Edge.Gateway.Commands;
using Edge.Gateway.Shelves;

namespace Edge.Gateway.Cloud;

/// <summary>Sends every shelf's current level to the cloud as <c>StockLevel</c> telemetry (<c>resync</c>).</summary>
public sealed record ResyncStockLevels : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "resync";
}

/// <summary>Queues one <c>StockLevel</c> per shelf; done once they are all in the outbox.</summary>
internal sealed class ResyncStockLevelsHandler(ShelfService shelves, DurableOutbox outbox) : ICommandHandler<ResyncStockLevels>
{
    public async Task<CommandResult> HandleAsync(ResyncStockLevels command, CancellationToken cancellationToken)
    {
        OutboxReceipt[] queued = await Task.WhenAll(shelves.Pipelines.Select(p => outbox.EnqueueAsync(ShelfCloudMessages.StockLevel(p))));
        return CommandResult.Done(new JsonObject { ["shelves"] = queued.Length });
    }
}
