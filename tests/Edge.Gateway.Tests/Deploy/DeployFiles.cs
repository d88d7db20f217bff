using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Edge.Gateway.Tests.Deploy;

/// <summary>The repository's deployment files, found from the test's build output, and small readers for them.</summary>
internal static class DeployFiles
{
    public static string RepoRoot => RepositoryFiles.Root;

    public static string BalenaDir => Path.Combine(RepoRoot, "deploy", "balena");

    public static string BalenaFile(string name) => Path.Combine(BalenaDir, name);

    /// <summary>The root mapping of a YAML file (one document).</summary>
    public static YamlMappingNode LoadYaml(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        Assert.Single(stream.Documents);
        return Assert.IsType<YamlMappingNode>(stream.Documents[0].RootNode);
    }

    public static YamlNode? Child(this YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) ? value : null;

    public static YamlMappingNode Map(this YamlMappingNode map, string key) =>
        Assert.IsType<YamlMappingNode>(map.Child(key) ?? throw new Xunit.Sdk.XunitException($"missing key '{key}'"));

    public static string? Scalar(this YamlMappingNode map, string key) => (map.Child(key) as YamlScalarNode)?.Value;

    /// <summary>A sequence of scalars as strings (empty when the key is absent).</summary>
    public static List<string> Strings(this YamlMappingNode map, string key) => map.Child(key) switch
    {
        null => [],
        YamlSequenceNode seq => seq.Children.Select(n => Assert.IsType<YamlScalarNode>(n).Value!).ToList(),
        YamlScalarNode one => [one.Value!],
        var other => throw new Xunit.Sdk.XunitException($"'{key}' is a {other.NodeType}, not a list"),
    };

    public static IEnumerable<string> Keys(this YamlMappingNode map) => map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

    /// <summary>The Dockerfile's instructions, comments dropped and continuation lines joined.</summary>
    public static List<string> DockerInstructions(string path)
    {
        var instructions = new List<string>();
        string pending = "";
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            instructions.Add((pending + line).Trim());
            pending = "";
        }

        return instructions.Where(i => i.Length > 0).ToList();
    }

    /// <summary>Runs a program to completion with a deadline; the environment is exactly <paramref name="environment"/> plus PATH.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string>? environment, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            info.Environment.Clear();
            info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
            foreach (KeyValuePair<string, string> kv in environment)
            {
                info.Environment[kv.Key] = kv.Value;
            }
        }

        using Process p = Process.Start(info)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}");
        }

        return (p.ExitCode, await output, await error);
    }
}
