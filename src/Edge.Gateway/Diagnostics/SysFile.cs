namespace Edge.Gateway.Diagnostics;

/// <summary>Reads small kernel files (sysfs, procfs) without throwing: a diag check reports a missing or unreadable file, it never dies of one.</summary>
internal static class SysFile
{
    /// <summary>The trimmed content, or null when the file is missing or cannot be read (then <paramref name="error"/> says why, or is null when it is just absent).</summary>
    public static string? Read(string path, out string? error)
    {
        error = null;
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>The trimmed content, or null when missing or unreadable.</summary>
    public static string? Read(string path) => Read(path, out _);

    /// <summary>All lines, or null when missing or unreadable.</summary>
    public static string[]? Lines(string path, out string? error)
    {
        string? text = Read(path, out error);
        return text?.Split('\n');
    }

    /// <summary>Entries of <paramref name="dir"/> matching <paramref name="pattern"/> (files, directories and links alike), or none.</summary>
    public static string[] Entries(string dir, string pattern)
    {
        try
        {
            return Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir, pattern) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Sorts <c>gpiochip10</c> after <c>gpiochip9</c>.</summary>
    public static int TrailingNumber(string name)
    {
        int i = name.Length;
        while (i > 0 && char.IsAsciiDigit(name[i - 1]))
        {
            i--;
        }

        return i < name.Length && int.TryParse(name.AsSpan(i), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue;
    }
}
