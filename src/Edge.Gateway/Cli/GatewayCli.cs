using System.CommandLine;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary>The <c>edge-gateway</c> command line: <c>run</c> is the default verb.</summary>
internal static class GatewayCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("In-store IoT edge gateway: smart shelves, stock and store-and-forward to the cloud.");
        root.Subcommands.Add(RunCommand.Configure(new Command("run", "Run the gateway (the default). Simulates the store when no GPIO chip is present.")));
        root.Subcommands.Add(CloudCommands.IotHub());
        root.Subcommands.Add(CloudCommands.Dps());
        root.Subcommands.Add(BleCommands.Build());
        root.Subcommands.Add(PromotionCommands.Build());
        root.Subcommands.Add(ShelfVerbs.Build());
        root.Subcommands.Add(StoreLayoutCommands.Beacons());
        root.Subcommands.Add(StoreLayoutCommands.Screens());
        root.Subcommands.Add(StoreLayoutCommands.Zones());
        root.Subcommands.Add(OperatorVerbs.Outbox());
        root.Subcommands.Add(OperatorVerbs.Admin());
        root.Subcommands.Add(ProvisionVerb.Build());
        root.Subcommands.Add(DiagVerb.Build());
        return root;
    }

    /// <summary>With no verb, or only options, the verb is <c>run</c>.</summary>
    public static string[] WithDefaultVerb(string[] args) =>
        args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version")) ? ["run", .. args] : args;

    /// <summary>
    /// Parses and runs. A usage error gets one line on stderr saying what was wrong, then the help of the verb in
    /// question, also on stderr, and exit 1: stdout carries only results, which scripts read.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        RootCommand root = Build();
        ParseResult parse = root.Parse(WithDefaultVerb(args));
        if (parse.Errors.Count == 0)
        {
            return await parse.InvokeAsync();
        }

        Command command = parse.CommandResult.Command;
        await Console.Error.WriteLineAsync("error: " + Describe(parse, command));
        await Console.Error.WriteLineAsync();
        await root.Parse([.. Path(command), "--help"]).InvokeAsync(new InvocationConfiguration { Output = Console.Error });
        return ExitCodes.Usage;
    }

    private static string Describe(ParseResult parse, Command command)
    {
        string[] verbs = [.. command.Subcommands.Select(c => c.Name)];
        string? stray = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;
        if (verbs.Length > 0 && stray is not null && !stray.StartsWith('-'))
        {
            return $"unknown verb '{stray}'{(command is RootCommand ? "" : $" for '{command.Name}'")} (verbs: {string.Join(", ", verbs)})";
        }

        if (verbs.Length > 0 && command.Action is null)
        {
            return $"'{command.Name}' needs a verb: {string.Join(", ", verbs)}";
        }

        // System.CommandLine says "Required command was not provided." before the real problem; skip it.
        return parse.Errors.Select(e => e.Message).FirstOrDefault(m => !m.StartsWith("Required command", StringComparison.Ordinal)) ?? parse.Errors[0].Message;
    }

    private static Stack<string> Path(Command command)
    {
        var names = new Stack<string>();
        for (Command? c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Push(c.Name);
        }

        return names;
    }
}
