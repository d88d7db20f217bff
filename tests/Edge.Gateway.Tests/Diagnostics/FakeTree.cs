namespace Edge.Gateway.Tests.Diagnostics;

/// <summary>A throwaway directory standing in for /dev, /sys, /proc or /run: the checks read it as they read the real ones.</summary>
public sealed class FakeTree : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("edge-diag-").FullName;

    public string this[string relative] => Path.Combine(Root, relative);

    /// <summary>Writes a file, creating its directories.</summary>
    public string File(string relative, string content = "")
    {
        string path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string Dir(string relative) => Directory.CreateDirectory(this[relative]).FullName;

    /// <summary>
    /// A path that exists but cannot be read as a file. The tests run as root on some machines, where mode 000 reads fine;
    /// a directory in the file's place fails for every user.
    /// </summary>
    public string Unreadable(string relative) => Dir(relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is not a test failure.
        }
    }
}
