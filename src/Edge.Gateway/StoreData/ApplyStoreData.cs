using System.Text.Json.Nodes;
using Edge.Gateway.Commands;
using Edge.Gateway.Events;

namespace Edge.Gateway.StoreData;

/// <summary>Stores one kind of store data from the cloud (<c>promotions</c>, <c>catalog</c>, <c>online-stock</c>, <c>reservations</c>).</summary>
public sealed record ApplyStoreData(string Kind, byte[] Payload) : IGatewayCommand
{
    /// <inheritdoc />
    public string Name => "store-data";
}

/// <summary>Domain event: a kind of store data was stored at a new version (published after it is stored).</summary>
public sealed record StoreDataChanged(string Kind, long Version);

/// <summary>Validates and stores store data, and tells the bus once it is stored.</summary>
internal sealed class ApplyStoreDataHandler(StoreDataRepository repository, EventBus bus, TimeProvider time) : ICommandHandler<ApplyStoreData>
{
    public Task<CommandResult> HandleAsync(ApplyStoreData command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        (StoreDataRepository.Outcome outcome, string text) = repository.Apply(command.Kind, command.Payload, time.GetUtcNow(), out long version);
        if (outcome == StoreDataRepository.Outcome.Stored)
        {
            bus.Publish(new StoreDataChanged(command.Kind, version));
        }

        return Task.FromResult(outcome switch
        {
            StoreDataRepository.Outcome.Rejected => CommandResult.Failed(CommandOutcome.Invalid, text),
            StoreDataRepository.Outcome.Unavailable => CommandResult.Failed(CommandOutcome.Unavailable, text),
            _ => CommandResult.Done(new JsonObject { ["result"] = text }),
        });
    }
}
