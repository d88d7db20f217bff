namespace Edge.Gateway.Tests;

/// <summary>The checkout the tests run from: the folder above the test binaries that holds <c>Edge.sln</c>.</summary>
internal static class RepositoryFiles
{
    /// <summary>The repository's root folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The README's text.</summary>
    public static string Readme() => File.ReadAllText(Path.Combine(Root, "README.md"));

    private static string FindRoot()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no Edge.sln above {AppContext.BaseDirectory}");
    }
}
