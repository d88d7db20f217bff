namespace Edge.Gateway.Commands;

/// <summary>
/// The one door for commands: finds the handler, runs it, turns a storage failure into <see cref="CommandOutcome.Unavailable"/>,
/// and logs every command with its source and outcome (the command's name and outcome only, never its arguments, which
/// may carry secrets later).
/// </summary>
public sealed partial class CommandDispatcher(IServiceProvider services, ILogger<CommandDispatcher> logger)
{
    /// <summary>Runs <paramref name="command"/> and returns its result.</summary>
    public async Task<CommandResult> SendAsync<TCommand>(TCommand command, CommandSource source, CancellationToken cancellationToken = default)
        where TCommand : IGatewayCommand
    {
        ArgumentNullException.ThrowIfNull(command);
        CommandResult result;
        try
        {
            result = await services.GetRequiredService<ICommandHandler<TCommand>>().HandleAsync(command, cancellationToken);
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
        {
            result = CommandResult.Failed(CommandOutcome.Unavailable, "storage unavailable: " + ex.Message);
        }
        catch (TimeoutException ex)
        {
            // A part of the gateway that did not answer in time (the shelf reader): what the handler withdrew did not change.
            result = CommandResult.Failed(CommandOutcome.Unavailable, ex.Message);
        }

        if (result.Outcome == CommandOutcome.Done)
        {
            Done(logger, command.Name, source);
        }
        else
        {
            Refused(logger, command.Name, source, (int)result.Outcome, result.Error);
        }

        return result;
    }

    [LoggerMessage(4000, LogLevel.Information, "Command {Command} from {Source}: done")]
    private static partial void Done(ILogger logger, string command, CommandSource source);

    [LoggerMessage(4001, LogLevel.Warning, "Command {Command} from {Source}: {Status} {Error}")]
    private static partial void Refused(ILogger logger, string command, CommandSource source, int status, string? error);
}
