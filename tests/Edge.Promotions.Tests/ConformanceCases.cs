using System.Text.Json;

namespace Edge.Promotions.Tests;

/// <summary>The conformance cases of <c>spec/promotions/*.json</c>, which every channel's implementation is checked against.</summary>
public static class ConformanceCases
{
    /// <summary>The repository's <c>spec/promotions</c> folder, found from the test binaries upwards.</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "spec", "promotions");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("spec/promotions not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Every case as (file, name, the case's JSON text).</summary>
    public static TheoryData<string, string, string> All()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string file in Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(file));
            foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
            {
                data.Add(Path.GetFileName(file), c.GetProperty("name").GetString()!, c.GetRawText());
            }
        }

        return data;
    }
}
