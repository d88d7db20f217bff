using System.Text;
using System.Text.Json.Nodes;

namespace Edge.Gateway.Hosting;

/// <summary>
/// The gateway's configuration as the running host layers it, for tools that do not start the host (the CLI working
/// on a data directory): appsettings.json beside the executable, then <c>site.json</c> and <c>secrets.json</c> of the
/// data directory, then the environment, then the command line's overrides.
/// </summary>
public static class ConfigurationLayers
{
    /// <summary>The data directory <paramref name="overrides"/>, the environment and appsettings.json name, or the default.</summary>
    public static string DataDir(IReadOnlyDictionary<string, string?> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        IConfigurationRoot bare;
        try
        {
            bare = Base(overrides).Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            throw new InvalidDataException(Describe(ex), ex);
        }

        return bare["Gateway:DataDir"] is { Length: > 0 } dir ? dir : GatewayOptions.DefaultDataDir();
    }

    /// <summary>
    /// Builds the configuration of <paramref name="dataDir"/>; with <paramref name="site"/>, that object stands in for
    /// <c>site.json</c> (to check a change before it is written).
    /// </summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON.</exception>
    public static IConfigurationRoot Build(string dataDir, IReadOnlyDictionary<string, string?> overrides, JsonObject? site = null)
    {
        IConfigurationBuilder builder = Base(overrides);
        SiteFiles.AddTo(builder, dataDir);
        if (site is not null)
        {
            int at = builder.Sources.Select((s, i) => (s, i)).First(p => p.s is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource j && Path.GetFileName(j.Path) == SiteFiles.SiteFile).i;
            builder.Sources[at] = new Microsoft.Extensions.Configuration.Json.JsonStreamConfigurationSource { Stream = new MemoryStream(Encoding.UTF8.GetBytes(site.ToJsonString())) };
        }

        try
        {
            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            throw new InvalidDataException(Describe(ex), ex);
        }
    }

    /// <summary>
    /// The sources other than <c>site.json</c> that set keys under <paramref name="section"/>: a list the technician's
    /// tools edit must come from <c>site.json</c> alone, or an element removed there would still come from elsewhere.
    /// </summary>
    public static IEnumerable<string> OtherSourcesOf(IConfigurationRoot configuration, string section)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (IConfigurationProvider provider in configuration.Providers)
        {
            bool site = provider is Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider j && Path.GetFileName(j.Source.Path) == SiteFiles.SiteFile
                || provider is Microsoft.Extensions.Configuration.Json.JsonStreamConfigurationProvider;
            if (!site && provider.GetChildKeys([], section).Any())
            {
                yield return provider switch
                {
                    Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider json => json.Source.Path ?? "a JSON file",
                    Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationProvider => "the environment (" + section.Replace(":", "__", StringComparison.Ordinal) + "__*)",
                    _ => "the command line",
                };
            }
        }
    }

    /// <summary>A JSON file that is not JSON: the provider names the file; the parser, underneath, says what is wrong and where.</summary>
    public static string Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.Message + (ex.GetBaseException() is { } root && root != ex && !ex.Message.Contains(root.Message, StringComparison.Ordinal) ? " " + root.Message : "");
    }

    private static IConfigurationBuilder Base(IReadOnlyDictionary<string, string?> overrides) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides);
}
