using System.Text.RegularExpressions;

namespace Edge.Gateway.Tests.Technicians;

/// <summary>
/// <c>--help</c> on every verb and sub-verb, found by walking the real help output from the root down, so a verb
/// added later is covered without touching this test.
/// </summary>
[Collection(TechnicianTests.Name)]
public sealed partial class HelpTests(SecretLedger ledger) : IClassFixture<SecretLedger>
{
    private readonly TechnicianCli _cli = new(ledger);

    /// <summary>The verbs technicians are told about; the walk must find at least these (it may find more).</summary>
    private static readonly string[][] Known =
    [
        ["provision"], ["provision", "mqtt"], ["provision", "iothub"], ["provision", "dps"],
        ["admin", "token"], ["outbox", "status"], ["diag"],
        ["shelf", "list"], ["shelf", "add"], ["shelf", "remove"], ["shelf", "assign"], ["shelf", "tare"], ["shelf", "calibrate"],
        ["beacon", "list"], ["beacon", "add"], ["beacon", "remove"],
        ["screen", "list"], ["screen", "add"], ["screen", "remove"],
        ["zone", "list"], ["zone", "add"],
    ];

    [Fact]
    public async Task Help_OnEveryVerbAndSubVerb_Exits0_WithItsDescriptionAndOptions()
    {
        // Arrange: the root's help names the top-level verbs with their descriptions.
        var pending = new Queue<(string[] Path, string Description)>();
        CliRun root = await _cli.RunAsync("--help");
        Assert.Equal(0, root.Exit);
        foreach ((string name, string description) in Commands(root.Out))
        {
            pending.Enqueue(([name], description));
        }

        // Act: each verb's help, then its sub-verbs' help, breadth first.
        var seen = new List<string>();
        var problems = new List<string>();
        while (pending.Count > 0)
        {
            (string[] path, string description) = pending.Dequeue();
            string verb = string.Join(' ', path);
            seen.Add(verb);
            CliRun help = await _cli.RunAsync([.. path, "--help"]);
            if (help.Exit != 0 || help.Err.Length > 0)
            {
                problems.Add($"{verb}: exit {help.Exit}, stderr '{help.Err.Trim()}'");
                continue;
            }

            // The help repeats the description the parent listed (the parent's column may wrap it, so compare a prefix).
            string[] lines = help.Out.Split('\n');
            string shown = string.Join(' ', lines.SkipWhile(l => l != "Description:").Skip(1).TakeWhile(l => l.Length > 0).Select(l => l.Trim()));
            if (shown.Length == 0 || !shown.StartsWith(description[..Math.Min(description.Length, 30)], StringComparison.Ordinal))
            {
                problems.Add($"{verb}: description '{shown}' is not the '{description}' its parent lists");
            }

            if (!help.Out.Contains($"Usage:\n  edge-gateway {verb}", StringComparison.Ordinal))
            {
                problems.Add($"{verb}: no usage line for 'edge-gateway {verb}'");
            }

            // Every option line has a description: a bare option name tells a technician nothing.
            List<string> options = [.. lines.SkipWhile(l => l != "Options:").Skip(1).TakeWhile(l => l.Length > 0)];
            if (!options.Any(o => o.TrimStart().StartsWith("-?, -h, --help", StringComparison.Ordinal)))
            {
                problems.Add($"{verb}: no Options section with --help");
            }

            problems.AddRange(options.Where(o => !OptionLine().IsMatch(o)).Select(o => $"{verb}: option without a description: '{o.Trim()}'"));
            foreach ((string name, string sub) in Commands(help.Out))
            {
                pending.Enqueue(([.. path, name], sub));
            }
        }

        // Assert
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Empty(Known.Select(k => string.Join(' ', k)).Except(seen));
        ledger.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task Help_OfTheTechnicianVerbs_ListsEveryOptionTheirRunbooksUse()
    {
        // Options a technician's runbook relies on, per verb: missing one means the runbook's command line fails.
        (string[] Verb, string[] Options)[] expected =
        [
            (["provision"], ["--from-config", "--data-dir", "--json", "--admin-token-file", "--timeout", "--skip-verify"]),
            (["provision", "mqtt"], ["--host", "--port", "--tls", "--ca", "--client-cert", "--client-key", "--user", "--password", "--password-file", "--client-id"]),
            (["provision", "iothub"], ["--host", "--device-id", "--key", "--key-file", "--cert", "--cert-key", "--ca", "--port"]),
            (["provision", "dps"], ["--id-scope", "--registration-id", "--key", "--group-key", "--cert", "--cert-key", "--dps-host", "--dps-port", "--ca", "--port"]),
            (["admin", "token"], ["--rotate", "--token-file", "--data-dir", "--json"]),
            (["outbox", "status"], ["--data-dir", "--json"]),
            (["diag"], ["--timeout", "--data-dir", "--json"]),
        ];

        var missing = new List<string>();
        foreach ((string[] verb, string[] options) in expected)
        {
            CliRun help = await _cli.RunAsync([.. verb, "--help"]);
            Assert.Equal(0, help.Exit);
            missing.AddRange(options.Where(o => !Regex.IsMatch(help.Out, $@"^\s+(-\w, )*{Regex.Escape(o)}\b", RegexOptions.Multiline)).Select(o => $"{string.Join(' ', verb)} {o}"));
        }

        Assert.Empty(missing);
    }

    /// <summary>The "Commands:" section of a help text: each sub-verb's name and description.</summary>
    private static IEnumerable<(string Name, string Description)> Commands(string help) =>
        help.Split('\n').SkipWhile(l => l != "Commands:").Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => CommandLine().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups["name"].Value, m.Groups["description"].Value.Trim()));

    // "  name <arg>  Description", as System.CommandLine lays it out: two spaces, the name, two or more spaces.
    [GeneratedRegex(@"^  (?<name>[a-z][a-z0-9-]*)(?: <[^>]+>)*\s{2,}(?<description>\S.*)$")]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"^  \S.*?\S\s{2,}\S")]
    private static partial Regex OptionLine();
}

/// <summary>The technicians' CLI tests run one at a time: each starts processes and brokers on two shared cores.</summary>
[CollectionDefinition(Name)]
public sealed class TechnicianTests
{
    public const string Name = "Technicians";
}
