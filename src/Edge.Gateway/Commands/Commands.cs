using System.Text.Json.Nodes;

namespace Edge.Gateway.Commands;

/// <summary>Where a command came from; logged with it.</summary>
public enum CommandSource
{
    /// <summary>The cloud (MQTT command topic, IoT Hub direct method or C2D).</summary>
    Cloud,

    /// <summary>The local admin API.</summary>
    AdminApi,

    /// <summary>A technician's CLI.</summary>
    Cli,

    /// <summary>The simulated store's online shop (simulation mode only).</summary>
    Simulation,
}

/// <summary>How a command ended; the values are the HTTP-like statuses replies carry.</summary>
public enum CommandOutcome
{
    /// <summary>Done.</summary>
    Done = 200,

    /// <summary>The command is malformed or its values are not plausible; nothing changed.</summary>
    Invalid = 400,

    /// <summary>What it names (a shelf) does not exist.</summary>
    NotFound = 404,

    /// <summary>Not possible now (a shelf that is moving, or holds items); try again later.</summary>
    Conflict = 409,

    /// <summary>Storage failed (a full disk), or a part of the gateway did not answer in time (the shelf reader); nothing changed unless the error says so.</summary>
    Unavailable = 503,
}

/// <summary>A command's result: its outcome and a JSON body (<c>{"error": …}</c> unless done).</summary>
public sealed record CommandResult(CommandOutcome Outcome, JsonObject Body)
{
    /// <summary>Done, with a body.</summary>
    public static CommandResult Done(JsonObject body) => new(CommandOutcome.Done, body);

    /// <summary>Not done, with the reason.</summary>
    public static CommandResult Failed(CommandOutcome outcome, string error) => new(outcome, new JsonObject { ["error"] = error });

    /// <summary>The error, when not done.</summary>
    public string? Error => Outcome == CommandOutcome.Done ? null : Body["error"]?.GetValue<string>();
}

/// <summary>A typed operation on the gateway that more than one caller issues (the cloud today; the admin API and CLI next).</summary>
public interface IGatewayCommand
{
    /// <summary>The command's name, as logged and as the cloud knows it (<c>tare</c>, <c>recalibrate</c>, …).</summary>
    string Name { get; }
}

/// <summary>Executes one kind of command. Handlers live in the area that owns what the command changes.</summary>
public interface ICommandHandler<in TCommand>
    where TCommand : IGatewayCommand
{
    /// <summary>Executes the command; throws only for what is no fault of the command (storage failing).</summary>
    Task<CommandResult> HandleAsync(TCommand command, CancellationToken cancellationToken);
}
