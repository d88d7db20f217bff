using System.CommandLine;
using System.Text.Json.Nodes;
using Edge.Cloud.Outbox;
using Edge.Gateway.Admin;
using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary><c>outbox status</c> and <c>admin token</c>.</summary>
internal static class OperatorVerbs
{
    public static Command Outbox()
    {
        var status = GatewayLink.WithCommonOptions(new Command("status", "The cloud outbox: depth per class, oldest message's age, drops, dead letters."));
        Verb.Action(status, async (parse, ct) =>
        {
            using GatewayLink link = GatewayLink.Open(parse);
            JsonObject result = link.Online
                ? (JsonObject)(await link.CallOkAsync(HttpMethod.Get, "outbox", cancellationToken: ct))!
                : OfflineStatus(link);
            return (ExitCodes.Ok, result, OutboxStatus.Lines(result));
        });
        return new Command("outbox", "The durable outbox of messages for the cloud.") { status };
    }

    public static Command Admin()
    {
        var rotate = new Option<bool>("--rotate") { Description = "Replace the existing token (the old one stops working at once)" };
        var file = new Option<string>("--token-file") { Description = "Write the new token to this file (mode 0600) instead of stdout" };
        var token = GatewayLink.WithCommonOptions(new Command("token", "Create the admin token, shown once (only a salted hash is kept).") { rotate, file }, token: false);
        Verb.Action(token, (parse, ct) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(GatewayLink.DataDirOption) is { Length: > 0 } dir)
            {
                overrides["Gateway:DataDir"] = dir;
            }

            string dataDir = RequireDirectory(ConfigurationLayers.DataDir(overrides));
            if (AdminToken.Load(dataDir) is { } existing && !parse.GetValue(rotate))
            {
                throw new CliException($"an admin token exists (created {existing.Created:u}); use --rotate to replace it", ExitCodes.Refused);
            }

            string created = AdminToken.Create(dataDir, TimeProvider.System);
            return Task.FromResult(Show(created, parse.GetValue(file), parse.GetValue(GatewayLink.JsonOption), dataDir));
        });
        return new Command("admin", "The admin API's token.") { token };
    }

    /// <summary>File a new token goes to when none is named and the output is JSON (a secret never goes into --json output).</summary>
    public const string OnceFile = "admin-token.once";

    /// <summary>Shows a new token once: in a file when one is named or the output is JSON, else on stdout.</summary>
    public static (int, JsonNode?, IEnumerable<string>) Show(string token, string? file, bool json, string dataDir)
    {
        if (file is not { Length: > 0 } && json)
        {
            file = Path.Combine(dataDir, OnceFile);
        }

        if (file is { Length: > 0 })
        {
            SiteFiles.Write(Path.GetFullPath(file), System.Text.Encoding.UTF8.GetBytes(token + "\n"));
            return (ExitCodes.Ok, new JsonObject { ["adminTokenFile"] = Path.GetFullPath(file) }, [$"admin token written to {Path.GetFullPath(file)} (mode 0600); keep it safe and delete the file once stored"]);
        }

        return (ExitCodes.Ok, new JsonObject(), [token, "(the admin token: shown this once; store it now)"]);
    }

    /// <summary>
    /// Fails with one line when the data directory names a file: otherwise the first write would fail with "the file
    /// already exists", after a provision had already connected.
    /// </summary>
    public static string RequireDirectory(string dataDir) =>
        File.Exists(dataDir)
            ? throw new CliException($"the data directory {dataDir} is a file, not a directory (--data-dir, Gateway:DataDir)", ExitCodes.InvalidConfiguration)
            : dataDir;

    /// <summary>The outbox status read from the stopped gateway's outbox file, under the data directory's lock.</summary>
    public static JsonObject OfflineStatus(GatewayLink link)
    {
        IConfigurationRoot configuration = ConfigurationLayers.Build(link.DataDir, link.Overrides);
        if (!GatewayConfiguration.TryLoad(configuration, out GatewayConfiguration? settings, out List<string> problems))
        {
            throw new CliException("the configuration is invalid: " + string.Join("; ", problems), ExitCodes.InvalidConfiguration);
        }

        if (!File.Exists(Path.Combine(link.DataDir, CloudRegistration.OutboxFile)))
        {
            if (settings.Cloud.Mode == CloudMode.None)
            {
                return AsAnswered(OutboxStatus.None());
            }

            // A cloud mode but no outbox yet (the gateway never ran with it): its classes, all empty. The file is not
            // created for a status query.
            using var nothing = new LiteDB.LiteDatabase(new MemoryStream());
            using var empty = new DurableOutbox(nothing, settings.Cloud.Outbox.ToOptions());
            return AsAnswered(OutboxStatus.Of(empty, settings.Cloud.Mode.ToString(), DateTimeOffset.UtcNow));
        }

        using GatewayDatabase db = GatewayDatabase.Open(link.DataDir, fileName: CloudRegistration.OutboxFile, verify: GatewayDatabase.VerifyAll);
        using var outbox = new DurableOutbox(db, settings.Cloud.Outbox.ToOptions());
        JsonObject status = OutboxStatus.Of(outbox, settings.Cloud.Mode.ToString(), DateTimeOffset.UtcNow);
        status["running"] = false;
        return AsAnswered(status);
    }

    // The status as the admin API's answer parses: numbers as JSON numbers, not the ints OutboxStatus built, so a
    // reader's GetValue<long>() (diag) works the same whether the gateway runs or not.
    private static JsonObject AsAnswered(JsonObject status) => (JsonObject)JsonNode.Parse(status.ToJsonString())!;
}
