using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Edge.Gateway.Commands;

namespace Edge.Gateway.Tests.Commands;

/// <summary>The dispatcher's own promises, with handlers that behave as storage does when it fails.</summary>
public sealed class CommandDispatcherTests
{
    private sealed record Ping(string Secret) : IGatewayCommand
    {
        public string Name => "ping";
    }

    /// <summary>Fails the way a full disk makes LiteDB fail.</summary>
    private sealed class FailsAsAFullDiskDoes : ICommandHandler<Ping>
    {
        public Task<CommandResult> HandleAsync(Ping command, CancellationToken cancellationToken) =>
            throw new IOException("No space left on device");
    }

    /// <summary>Throws what no command should cause: a bug, which must not be dressed up as an outcome.</summary>
    private sealed class HasABug : ICommandHandler<Ping>
    {
        public Task<CommandResult> HandleAsync(Ping command, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("bug");
    }

    private static (CommandDispatcher Dispatcher, RecordingLogs Logs) Dispatcher(ICommandHandler<Ping> handler)
    {
        var logs = new RecordingLogs();
        ServiceProvider services = new ServiceCollection().AddSingleton(handler).BuildServiceProvider();
        ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(logs));
        return (new CommandDispatcher(services, factory.CreateLogger<CommandDispatcher>()), logs);
    }

    [Fact]
    public async Task AStorageFailure_IsUnavailable_AndLoggedWithoutTheCommandsArguments()
    {
        (CommandDispatcher dispatcher, RecordingLogs logs) = Dispatcher(new FailsAsAFullDiskDoes());

        CommandResult result = await dispatcher.SendAsync(new Ping("hunter2"), CommandSource.AdminApi);

        Assert.Equal(CommandOutcome.Unavailable, result.Outcome);
        Assert.Equal(503, (int)result.Outcome);
        Assert.Equal("storage unavailable: No space left on device", result.Error);
        (_, LogLevel level, string message) = Assert.Single(logs.Lines);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("Command ping from AdminApi: 503 storage unavailable: No space left on device", message);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABugInAHandler_IsNotTurnedIntoAnOutcome()
    {
        (CommandDispatcher dispatcher, _) = Dispatcher(new HasABug());

        await Assert.ThrowsAsync<InvalidOperationException>(() => dispatcher.SendAsync(new Ping("x"), CommandSource.Cli));
    }
}
