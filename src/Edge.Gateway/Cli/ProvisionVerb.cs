using System.CommandLine;
using System.Text.Json.Nodes;
using Edge.Cloud.IotHub;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Probe;
using Edge.Gateway.Admin;
using Edge.Gateway.Cloud;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary>
/// <c>provision mqtt | iothub | dps</c> and <c>provision --from-config</c>: connects with the given settings first
/// (DNS, TCP, TLS, authentication, authorisation, each reported), and only when that works writes them: the settings
/// to <c>site.json</c>, the secrets to <c>secrets.json</c> (mode 0600). A DPS group key never reaches the disk: the
/// device key derived from it does. Creates the admin token if there is none. A running gateway is restarted to apply
/// the change.
/// </summary>
internal static class ProvisionVerb
{
    private static readonly Option<string> TokenFile = new("--admin-token-file") { Description = "Write a newly created admin token to this file (mode 0600) instead of showing it" };
    private static readonly Option<double> Timeout = new("--timeout") { Description = "Seconds the verifying connection may take", DefaultValueFactory = _ => 20 };
    private static readonly Option<bool> SkipVerify = new("--skip-verify") { Description = "Write the settings without connecting first (for a gateway prepared away from the store's network)" };

    public static Command Build()
    {
        var fromConfig = new Option<bool>("--from-config") { Description = "Provision from the Cloud:* keys of the configuration (environment, appsettings.json): a balena first boot" };
        var provision = Common(new Command("provision", "Connect a gateway to its cloud (MQTT broker, IoT Hub or DPS), verified by a real connection; secrets go to secrets.json (0600).") { fromConfig });
        provision.Subcommands.Add(Mqtt());
        provision.Subcommands.Add(IotHub());
        provision.Subcommands.Add(Dps());
        Verb.Action(provision, (parse, ct) =>
        {
            if (!parse.GetValue(fromConfig))
            {
                throw new CliException("'provision' needs a verb: mqtt, iothub, dps, or --from-config (see 'edge-gateway provision --help')", ExitCodes.Usage);
            }

            Dictionary<string, string?> overrides = Overrides(parse);
            string dataDir = OperatorVerbs.RequireDirectory(ConfigurationLayers.DataDir(overrides));
            if (!GatewayConfiguration.TryLoad(ConfigurationLayers.Build(dataDir, overrides), out GatewayConfiguration? settings, out List<string> problems))
            {
                throw new CliException("the configuration is invalid: " + string.Join("; ", problems), ExitCodes.InvalidConfiguration);
            }

            CloudOptions cloud = settings.Cloud;
            if (cloud.Mode == CloudMode.None)
            {
                throw new CliException("Cloud:Mode is None: there is nothing to provision (set Cloud__Mode and its Cloud__* keys)", ExitCodes.InvalidConfiguration);
            }

            if (cloud.Mode == CloudMode.IotHub && cloud.IotHub.DpsGroupKey is { Length: > 0 } group && cloud.IotHub.DpsRegistrationId is { Length: > 0 } reg)
            {
                cloud.IotHub.DpsEnrollmentKey = SasToken.DeriveDeviceKey(group, reg);
                cloud.IotHub.DpsGroupKey = null;
            }

            return cloud.Mode == CloudMode.Mqtt
                ? ProvisionMqttAsync(parse, dataDir, settings, cloud.Mqtt, ct)
                : ProvisionIotHubAsync(parse, dataDir, settings, cloud.IotHub, ct);
        });
        return provision;
    }

    private static Command Mqtt()
    {
        var host = new Option<string>("--host") { Description = "Broker host name", Required = true };
        var port = new Option<int>("--port") { Description = "Broker port. Default: 8883 with --tls, else 1883" };
        var tls = new Option<bool>("--tls") { Description = "Use TLS" };
        var ca = new Option<string>("--ca") { Description = "CA certificate (PEM) the broker's certificate must chain to; default: the system's" };
        var cert = new Option<string>("--client-cert") { Description = "Client certificate (PEM) for mutual TLS" };
        var key = new Option<string>("--client-key") { Description = "The client certificate's private key (PEM)" };
        var user = new Option<string>("--user") { Description = "User name" };
        var password = new Option<string>("--password") { Description = "Password (prefer --password-file or $EDGE_MQTT_PASSWORD: a command line is visible to other users)" };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the password" };
        var clientId = new Option<string>("--client-id") { Description = "MQTT client id. Default: <store>-<gateway>" };
        var command = Common(new Command("mqtt", "Provision a plain MQTT broker.") { host, port, tls, ca, cert, key, user, password, passwordFile, clientId });
        Verb.Action(command, (parse, ct) =>
        {
            (string dataDir, GatewayConfiguration settings) = Load(parse);
            var options = new MqttOptions
            {
                Host = parse.GetValue(host)!,
                UseTls = parse.GetValue(tls),
                CaFile = Full(parse.GetValue(ca)),
                ClientCertFile = Full(parse.GetValue(cert)),
                ClientKeyFile = Full(parse.GetValue(key)),
                Username = parse.GetValue(user),
                Password = Secret(parse.GetValue(password), parse.GetValue(passwordFile), "EDGE_MQTT_PASSWORD"),
                ClientId = parse.GetValue(clientId),
            };
            options.Port = parse.GetValue(port) is > 0 and var p ? p : options.UseTls ? 8883 : 1883;
            return ProvisionMqttAsync(parse, dataDir, settings, options, ct);
        });
        return command;
    }

    private static Command IotHub()
    {
        var host = new Option<string>("--host") { Description = "IoT hub host name (<hub>.azure-devices.net)", Required = true };
        var device = new Option<string>("--device-id") { Description = "Device id", Required = true };
        var key = new Option<string>("--key") { Description = "Device symmetric key, base64 (prefer --key-file or $EDGE_DEVICE_KEY)" };
        var keyFile = new Option<string>("--key-file") { Description = "File holding the device key" };
        var cert = new Option<string>("--cert") { Description = "X.509 device certificate (PEM) instead of a key" };
        var certKey = new Option<string>("--cert-key") { Description = "The certificate's private key (PEM)" };
        var ca = new Option<string>("--ca") { Description = "CA certificate (PEM) instead of the system's (a test hub)" };
        var port = new Option<int>("--port") { Description = "MQTT port", DefaultValueFactory = _ => 8883 };
        var command = Common(new Command("iothub", "Provision an Azure IoT Hub device (symmetric key or X.509).") { host, device, key, keyFile, cert, certKey, ca, port });
        Verb.Action(command, (parse, ct) =>
        {
            (string dataDir, GatewayConfiguration settings) = Load(parse);
            var options = new IotHubOptions
            {
                HostName = parse.GetValue(host),
                DeviceId = parse.GetValue(device),
                DeviceKey = Secret(parse.GetValue(key), parse.GetValue(keyFile), "EDGE_DEVICE_KEY"),
                CertFile = Full(parse.GetValue(cert)),
                KeyFile = Full(parse.GetValue(certKey)),
                CaFile = Full(parse.GetValue(ca)),
                Port = parse.GetValue(port),
            };
            return ProvisionIotHubAsync(parse, dataDir, settings, options, ct);
        });
        return command;
    }

    private static Command Dps()
    {
        var scope = new Option<string>("--id-scope") { Description = "DPS id scope (0ne…)", Required = true };
        var registration = new Option<string>("--registration-id") { Description = "Registration id (lower case)", Required = true };
        var key = new Option<string>("--key") { Description = "Individual enrollment key, base64 (prefer $EDGE_DEVICE_KEY)" };
        var groupKey = new Option<string>("--group-key") { Description = "Group enrollment key, base64: the device key is derived from it and only that is stored (prefer $EDGE_GROUP_KEY)" };
        var cert = new Option<string>("--cert") { Description = "X.509 device certificate (PEM) instead of a key" };
        var certKey = new Option<string>("--cert-key") { Description = "The certificate's private key (PEM)" };
        var dpsHost = new Option<string>("--dps-host") { Description = "DPS endpoint", DefaultValueFactory = _ => "global.azure-devices-provisioning.net" };
        var dpsPort = new Option<int>("--dps-port") { Description = "DPS MQTT port", DefaultValueFactory = _ => 8883 };
        var ca = new Option<string>("--ca") { Description = "CA certificate (PEM) instead of the system's (a test service)" };
        var port = new Option<int>("--port") { Description = "MQTT port of the hub DPS assigns", DefaultValueFactory = _ => 8883 };
        var command = Common(new Command("dps", "Provision through the Azure Device Provisioning Service (individual key, group key or X.509).") { scope, registration, key, groupKey, cert, certKey, dpsHost, dpsPort, ca, port });
        Verb.Action(command, (parse, ct) =>
        {
            (string dataDir, GatewayConfiguration settings) = Load(parse);
            string reg = parse.GetValue(registration)!;
            string? group = Secret(parse.GetValue(groupKey), null, "EDGE_GROUP_KEY");
            var options = new IotHubOptions
            {
                DpsIdScope = parse.GetValue(scope),
                DpsRegistrationId = reg,
                DpsEnrollmentKey = group is not null ? Derive(group, reg) : Secret(parse.GetValue(key), null, "EDGE_DEVICE_KEY"),
                CertFile = Full(parse.GetValue(cert)),
                KeyFile = Full(parse.GetValue(certKey)),
                DpsHost = parse.GetValue(dpsHost)!,
                DpsPort = parse.GetValue(dpsPort),
                CaFile = Full(parse.GetValue(ca)),
                Port = parse.GetValue(port),
            };
            return ProvisionIotHubAsync(parse, dataDir, settings, options, ct);
        });
        return command;
    }

    private static async Task<(int, JsonNode?, IEnumerable<string>)> ProvisionMqttAsync(ParseResult parse, string dataDir, GatewayConfiguration settings, MqttOptions options, CancellationToken ct)
    {
        if (options.Problem() is { } problem)
        {
            throw new CliException(problem, ExitCodes.InvalidConfiguration);
        }

        var site = new Dictionary<string, JsonNode?>
        {
            ["Cloud:Mode"] = "Mqtt",
            ["Cloud:Mqtt:Host"] = options.Host,
            ["Cloud:Mqtt:Port"] = options.Port,
            ["Cloud:Mqtt:UseTls"] = options.UseTls,
            ["Cloud:Mqtt:CaFile"] = options.CaFile,
            ["Cloud:Mqtt:ClientCertFile"] = options.ClientCertFile,
            ["Cloud:Mqtt:ClientKeyFile"] = options.ClientKeyFile,
            ["Cloud:Mqtt:Username"] = options.Username,
            ["Cloud:Mqtt:ClientId"] = options.ClientId,
        };
        var secrets = new Dictionary<string, JsonNode?> { ["Cloud:Mqtt:Password"] = options.Password };
        // What is stored is as given (no client id: the default); the probe connects as the gateway will.
        ProbeReport? report = parse.GetValue(SkipVerify) ? null
            : await ProbeAsGatewayAsync(options, settings, TimeSpan.FromSeconds(parse.GetValue(Timeout)), ct);
        return await FinishAsync(parse, dataDir, report, site, secrets, $"MQTT broker {options.Host}:{options.Port}{(options.UseTls ? " (TLS)" : "")}", ct);
    }

    private static async Task<(int, JsonNode?, IEnumerable<string>)> ProvisionIotHubAsync(ParseResult parse, string dataDir, GatewayConfiguration settings, IotHubOptions options, CancellationToken ct)
    {
        if (options.Problem() is { } problem)
        {
            throw new CliException(problem, ExitCodes.InvalidConfiguration);
        }

        ProbeReport? report = parse.GetValue(SkipVerify) ? null : await ConnectionProbe.ProbeIotHubAsync(options, TimeSpan.FromSeconds(parse.GetValue(Timeout)), ct);
        var site = new Dictionary<string, JsonNode?>
        {
            ["Cloud:Mode"] = "IotHub",
            ["Cloud:IotHub:HostName"] = options.HostName,
            ["Cloud:IotHub:DeviceId"] = options.DeviceId,
            ["Cloud:IotHub:Port"] = options.Port,
            ["Cloud:IotHub:CertFile"] = options.CertFile,
            ["Cloud:IotHub:KeyFile"] = options.KeyFile,
            ["Cloud:IotHub:CaFile"] = options.CaFile,
            ["Cloud:IotHub:DpsIdScope"] = options.DpsIdScope,
            ["Cloud:IotHub:DpsRegistrationId"] = options.DpsRegistrationId,
            ["Cloud:IotHub:DpsHost"] = options.DpsIdScope is null ? null : options.DpsHost,
            ["Cloud:IotHub:DpsPort"] = options.DpsIdScope is null ? null : options.DpsPort,
        };
        var secrets = new Dictionary<string, JsonNode?>
        {
            ["Cloud:IotHub:DeviceKey"] = options.DeviceKey,
            ["Cloud:IotHub:DpsEnrollmentKey"] = options.DpsEnrollmentKey,
        };
        string what = options.DpsIdScope is { } scope ? $"DPS {scope} as '{options.DpsRegistrationId}'" : $"IoT hub {options.HostName} as '{options.DeviceId}'";
        return await FinishAsync(parse, dataDir, report, site, secrets, what, ct);
    }

    private static async Task<(int, JsonNode?, IEnumerable<string>)> FinishAsync(ParseResult parse, string dataDir, ProbeReport? report, Dictionary<string, JsonNode?> site, Dictionary<string, JsonNode?> secrets, string what, CancellationToken ct)
    {
        var json = new JsonObject { ["target"] = what, ["verified"] = report?.Succeeded };
        if (report is not null)
        {
            json["stages"] = new JsonArray([.. report.Stages.Select(s => (JsonNode)new JsonObject
            {
                ["stage"] = s.Stage.ToString(),
                ["outcome"] = s.Outcome.ToString().ToLowerInvariant(),
                ["elapsedMs"] = s.ElapsedMs,
                ["detail"] = s.Detail,
                ["code"] = s.Code,
            })]);
            json["assignedHub"] = report.AssignedHub;
            json["deviceId"] = report.DeviceId;
        }

        List<string> lines = report is null ? [$"not verified (--skip-verify): {what}"] : [.. report.ToString().Split('\n')];
        if (report is { Succeeded: false })
        {
            json["provisioned"] = false;
            json["error"] = $"{report.FailedStage} failed: {report.Failure?.Detail}";
            lines.Add("nothing was written: fix what failed and run provision again");
            await Console.Error.WriteLineAsync($"error: {report.FailedStage} failed: {report.Failure?.Detail}");
            return (ExitCodes.Refused, json, lines);
        }

        // The cloud section is replaced whole: settings of an earlier mode must not linger beside the new ones.
        // Secrets first: a crash between the two writes leaves old settings beside new secrets (still the old
        // cloud, which a second run replaces), never new settings pointing at a password that is not there.
        SiteFiles.Edit(dataDir, SiteFiles.SecretsFile, root => Replace(root, secrets));
        SiteFiles.Edit(dataDir, SiteFiles.SiteFile, root => Replace(root, site));
        json["provisioned"] = true;
        json["siteFile"] = Path.Combine(dataDir, SiteFiles.SiteFile);
        json["secretsFile"] = Path.Combine(dataDir, SiteFiles.SecretsFile);
        lines.Add($"provisioned {what}: settings in {json["siteFile"]}, secrets in {json["secretsFile"]} (mode 0600)");

        if (AdminToken.Load(dataDir) is null)
        {
            string token = AdminToken.Create(dataDir, TimeProvider.System);
            (_, JsonNode? shown, IEnumerable<string> tokenLines) = OperatorVerbs.Show(token, parse.GetValue(TokenFile), parse.GetValue(GatewayLink.JsonOption), dataDir);
            json["adminTokenFile"] = shown?["adminTokenFile"]?.DeepClone();
            lines.AddRange(tokenLines);
            Environment.SetEnvironmentVariable("EDGE_ADMIN_TOKEN", token); // for the restart below, in this process only
        }

        lines.Add(await RestartAsync(parse, ct));
        return (ExitCodes.Ok, json, lines);
    }

    private static async Task<string> RestartAsync(ParseResult parse, CancellationToken ct)
    {
        using GatewayLink link = GatewayLink.Open(parse);
        if (!link.Online)
        {
            return "the gateway uses it when it starts";
        }

        try
        {
            await link.CallOkAsync(HttpMethod.Post, "restart", cancellationToken: ct);
            return "the running gateway restarts to use it";
        }
        catch (CliException ex)
        {
            return $"restart the gateway to use it (could not ask it to: {ex.Message})";
        }
    }

    private static bool Replace(JsonObject root, Dictionary<string, JsonNode?> values)
    {
        if (root["Cloud"] is JsonObject cloud)
        {
            foreach (string section in (string[])["Mqtt", "IotHub"])
            {
                cloud.Remove(section);
            }
        }

        foreach ((string key, JsonNode? value) in values)
        {
            SiteFiles.Set(root, key, value);
        }

        return true;
    }

    private static T Common<T>(T command)
        where T : Command
    {
        GatewayLink.WithCommonOptions(command);
        command.Options.Add(TokenFile);
        command.Options.Add(Timeout);
        command.Options.Add(SkipVerify);
        return command;
    }

    private static Dictionary<string, string?> Overrides(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(GatewayLink.DataDirOption) is { Length: > 0 } dir)
        {
            overrides["Gateway:DataDir"] = dir;
        }

        return overrides;
    }

    private static (string DataDir, GatewayConfiguration Settings) Load(ParseResult parse)
    {
        Dictionary<string, string?> overrides = Overrides(parse);
        string dataDir = OperatorVerbs.RequireDirectory(ConfigurationLayers.DataDir(overrides));
        // The store and gateway ids decide the topics and client id; the cloud section is what is being replaced.
        IConfigurationRoot configuration = ConfigurationLayers.Build(dataDir, overrides);
        var ids = new Dictionary<string, string?> { ["Gateway:Id"] = configuration["Gateway:Id"], ["Store:Id"] = configuration["Store:Id"], ["Gateway:DataDir"] = dataDir };
        return GatewayConfiguration.TryLoad(new ConfigurationBuilder().AddInMemoryCollection(ids).Build(), out GatewayConfiguration? settings, out List<string> problems)
            ? (dataDir, settings)
            : throw new CliException("the configuration is invalid: " + string.Join("; ", problems), ExitCodes.InvalidConfiguration);
    }

    /// <summary>
    /// Probes a broker as the gateway will use it: its client id (<c>{store}-{gateway}</c> unless one is configured),
    /// its command topics to subscribe to and its status topic to publish on.
    /// </summary>
    internal static Task<ProbeReport> ProbeAsGatewayAsync(MqttOptions options, GatewayConfiguration settings, TimeSpan timeout, CancellationToken ct)
    {
        MqttTopics topics = RetailTopics.For(settings.Store.Id, settings.Gateway.Id);
        options.ClientId ??= RetailTopics.ClientId(settings.Store.Id, settings.Gateway.Id);
        return ConnectionProbe.ProbeMqttAsync(options, topics.Prefix + "/commands/+", topics.Status, timeout, ct);
    }

    private static string Derive(string groupKey, string registrationId)
    {
        try
        {
            return SasToken.DeriveDeviceKey(groupKey, registrationId);
        }
        catch (FormatException ex)
        {
            throw new CliException("--group-key: " + ex.Message, ExitCodes.InvalidConfiguration);
        }
    }

    private static string? Secret(string? value, string? file, string variable)
    {
        if (value is { Length: > 0 })
        {
            return value;
        }

        if (file is { Length: > 0 })
        {
            return File.Exists(file) ? File.ReadAllText(file).Trim() : throw new CliException($"{file} does not exist", ExitCodes.InvalidConfiguration);
        }

        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } env ? env : null;
    }

    private static string? Full(string? path) => path is { Length: > 0 } ? Path.GetFullPath(path) : null;
}
