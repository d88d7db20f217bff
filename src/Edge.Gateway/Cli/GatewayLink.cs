using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary>A command's failure: one line for stderr and the exit code.</summary>
internal sealed class CliException(string message, int exit) : Exception(message)
{
    public int Exit { get; } = exit;
}

/// <summary>
/// How a technician's command reaches the gateway: through the admin API of the gateway running on the data directory
/// (found by its lock and advertised endpoint), or, when none runs, on the data directory directly while holding the
/// same lock, so a gateway starting meanwhile waits for the command to finish.
/// </summary>
internal sealed class GatewayLink : IDisposable
{
    public static readonly Option<string> DataDirOption = new("--data-dir") { Description = "The gateway's data directory (Gateway:DataDir). Default: as the gateway resolves it" };
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Print the result as one JSON object on stdout (progress still goes to stderr)" };
    public static readonly Option<string> TokenOption = new("--token") { Description = "Admin token for a running gateway. Default: $EDGE_ADMIN_TOKEN, else the file named by $EDGE_ADMIN_TOKEN_FILE" };

    private readonly HttpClient? _http;

    private GatewayLink(string dataDir, IReadOnlyDictionary<string, string?> overrides, HttpClient? http, GatewayInstance? held)
    {
        DataDir = dataDir;
        Overrides = overrides;
        _http = http;
        Held = held;
    }

    public string DataDir { get; }

    public IReadOnlyDictionary<string, string?> Overrides { get; }

    /// <summary>True when a gateway runs and this link talks to its admin API.</summary>
    public bool Online => _http is not null;

    /// <summary>The lock on the data directory, held while no gateway runs.</summary>
    public GatewayInstance? Held { get; }

    /// <summary>Adds the options every technician's verb takes.</summary>
    public static T WithCommonOptions<T>(T command, bool token = true)
        where T : Command
    {
        command.Options.Add(DataDirOption);
        command.Options.Add(JsonOption);
        if (token)
        {
            command.Options.Add(TokenOption);
        }

        return command;
    }

    /// <summary>Connects to the running gateway, or takes the data directory's lock when none runs.</summary>
    public static GatewayLink Open(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(DataDirOption) is { Length: > 0 } dir)
        {
            overrides["Gateway:DataDir"] = dir;
        }

        string dataDir = OperatorVerbs.RequireDirectory(ConfigurationLayers.DataDir(overrides));
        GatewayInstance? held = GatewayInstance.TryAcquire(dataDir, TimeSpan.Zero);
        if (held is not null)
        {
            return new GatewayLink(dataDir, overrides, null, held);
        }

        string url = GatewayInstance.AdvertisedAdminUrl(dataDir)
            ?? throw new CliException($"a gateway runs on {dataDir} but has not said where its admin API listens yet; try again in a few seconds", ExitCodes.Unavailable);
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(15) };
        if (Token(parse) is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new GatewayLink(dataDir, overrides, http, null);
    }

    /// <summary>Calls the admin API; returns the status and the JSON body. Network failures become one clear line.</summary>
    public async Task<(int Status, JsonNode? Body)> CallAsync(HttpMethod method, string path, JsonNode? body = null, CancellationToken cancellationToken = default)
    {
        HttpClient http = _http ?? throw new InvalidOperationException("not connected to a gateway");
        using var request = new HttpRequestMessage(method, "api/admin/" + path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the gateway's admin API at {http.BaseAddress} does not answer: {ex.Message}", ExitCodes.Unavailable);
        }

        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonNode? json;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                json = null;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                throw new CliException($"the gateway refused the admin token ({json?["error"]}); pass --token or set EDGE_ADMIN_TOKEN", ExitCodes.Refused);
            }

            if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
            {
                throw new CliException($"the gateway refuses this address for now: {json?["error"]}", ExitCodes.Refused);
            }

            return ((int)response.StatusCode, json);
        }
    }

    /// <summary>Calls the admin API and fails unless the status is 2xx.</summary>
    public async Task<JsonNode?> CallOkAsync(HttpMethod method, string path, JsonNode? body = null, CancellationToken cancellationToken = default)
    {
        (int status, JsonNode? json) = await CallAsync(method, path, body, cancellationToken);
        return status is >= 200 and < 300
            ? json
            : throw new CliException(json?["error"]?.ToString() ?? $"the gateway answered {status}", status == 400 ? ExitCodes.InvalidConfiguration : ExitCodes.Refused);
    }

    /// <summary>Fails when no gateway runs: for what needs the live sampler.</summary>
    public void RequireOnline(string what)
    {
        if (!Online)
        {
            throw new CliException($"{what} needs the running gateway (its live readings); start it with 'edge-gateway run' and try again", ExitCodes.Unavailable);
        }
    }

    public void Dispose()
    {
        _http?.Dispose();
        Held?.Dispose();
    }

    private static string? Token(ParseResult parse)
    {
        if (parse.GetValue(TokenOption) is { Length: > 0 } token)
        {
            return token;
        }

        if (Environment.GetEnvironmentVariable("EDGE_ADMIN_TOKEN") is { Length: > 0 } env)
        {
            return env;
        }

        return Environment.GetEnvironmentVariable("EDGE_ADMIN_TOKEN_FILE") is { Length: > 0 } file && File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }
}

/// <summary>Runs a technician's verb: its result as text or JSON on stdout, a failure as one line on stderr with its exit code.</summary>
internal static class Verb
{
    public static void Action(Command command, Func<ParseResult, CancellationToken, Task<(int Exit, JsonNode? Json, IEnumerable<string> Lines)>> run) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                (int exit, JsonNode? json, IEnumerable<string> lines) = await run(parse, ct);
                if (parse.GetValue(GatewayLink.JsonOption))
                {
                    await Console.Out.WriteLineAsync(json?.ToJsonString() ?? "{}");
                }
                else
                {
                    foreach (string line in lines)
                    {
                        await Console.Out.WriteLineAsync(line);
                    }
                }

                return exit;
            }
            catch (CliException ex)
            {
                await Fail(parse, ex.Message);
                return ex.Exit;
            }
            catch (Admin.LayoutException ex)
            {
                await Fail(parse, ex.Message);
                return ex.Status == 400 ? ExitCodes.InvalidConfiguration : ExitCodes.Refused;
            }
            catch (InvalidDataException ex)
            {
                // A configuration file that is not JSON: the same exit as the gateway's own start gives.
                await Fail(parse, ex.Message);
                return ExitCodes.InvalidConfiguration;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Fail(parse, ex.Message);
                return ExitCodes.Unavailable;
            }
        });

    private static async Task Fail(ParseResult parse, string message)
    {
        await Console.Error.WriteLineAsync("error: " + message);
        if (parse.GetValue(GatewayLink.JsonOption))
        {
            await Console.Out.WriteLineAsync(new JsonObject { ["error"] = message }.ToJsonString());
        }
    }
}
