using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Edge.Gateway.Tests.Deploy;

/// <summary>deploy/balena's files read as balena reads them: the compose file, balena.yml and Dockerfile.template.</summary>
public sealed partial class BalenaFilesTests
{
    // The service fields the balena supervisor supports (its docker-compose.yml reference, "Supported fields").
    private static readonly HashSet<string> SupportedServiceFields =
    [
        "build", "cap_add", "cap_drop", "cgroup_parent", "command", "cpu_quota", "cpu_shares", "cpuset", "depends_on",
        "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "environment", "extra_hosts", "group_add",
        "healthcheck", "hostname", "image", "ipc", "labels", "mac_address", "mem_limit", "mem_reservation", "network_mode",
        "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "ports", "privileged", "read_only", "restart",
        "security_opt", "shm_size", "stop_grace_period", "stop_signal", "sysctls", "tmpfs", "ulimits", "user",
        "userns_mode", "volumes", "working_dir",
    ];

    // balena's architecture of each device type balena.yml may name (its device list, column BALENA_ARCH).
    private static readonly Dictionary<string, string> ArchOfDeviceType = new()
    {
        ["raspberrypi3"] = "armv7hf",
        ["raspberrypi3-64"] = "aarch64",
        ["raspberrypi4-64"] = "aarch64",
        ["raspberrypi5"] = "aarch64",
        ["raspberrypicm4-ioboard"] = "aarch64",
        ["intel-nuc"] = "amd64",
        ["genericx86-64-ext"] = "amd64",
    };

    private static YamlMappingNode Gateway() => DeployFiles.LoadYaml(DeployFiles.BalenaFile("docker-compose.yml")).Map("services").Map("gateway");

    private static List<string> Dockerfile() => DeployFiles.DockerInstructions(DeployFiles.BalenaFile("Dockerfile.template"));

    [Fact]
    public void Compose_UsesOnlyFieldsTheBalenaSupervisorSupports()
    {
        YamlMappingNode compose = DeployFiles.LoadYaml(DeployFiles.BalenaFile("docker-compose.yml"));

        Assert.StartsWith("2", compose.Scalar("version")); // fields of compose format 3 are not supported
        Assert.All(compose.Map("services").Children.Values.Cast<YamlMappingNode>().SelectMany(s => s.Keys()),
            field => Assert.Contains(field, SupportedServiceFields));
    }

    [Fact]
    public void Compose_GivesTheGatewayHostNetworkingAndTheCapabilitiesOfTheHciSocket()
    {
        YamlMappingNode gateway = Gateway();

        Assert.Equal("host", gateway.Scalar("network_mode"));
        Assert.Contains("NET_RAW", gateway.Strings("cap_add"));
        Assert.Contains("NET_ADMIN", gateway.Strings("cap_add"));
    }

    [Fact]
    public void Compose_ExposesTheGpioNodesOfEveryModel_WithoutNamingOneThatMayBeMissing()
    {
        YamlMappingNode gateway = Gateway();

        // A Pi 3/4 needs /dev/gpiomem, a Pi 5 every /dev/gpiochip* (its header is gpiochip4 before the 2024
        // renumbering) and has no /dev/gpiomem: only privileged exposes whichever exist.
        Assert.Equal("true", gateway.Scalar("privileged"));
        Assert.True(gateway.Strings("devices").Count == 0, "a device listed under devices: that a model lacks fails the container: " + string.Join(", ", gateway.Strings("devices")));
    }

    [Fact]
    public void Compose_MountsANamedVolumeAtTheDataDirectoryTheImageConfigures()
    {
        YamlMappingNode compose = DeployFiles.LoadYaml(DeployFiles.BalenaFile("docker-compose.yml"));
        string dataDir = EnvOfDockerfile()["Gateway__DataDir"];

        string mount = Assert.Single(Gateway().Strings("volumes"), v => v.EndsWith(":" + dataDir, StringComparison.Ordinal));
        string volume = mount[..mount.IndexOf(':', StringComparison.Ordinal)];
        Assert.Equal("/data", dataDir);
        Assert.Contains(volume, compose.Map("volumes").Keys()); // a named volume: balena supports no bind mounts
        Assert.Equal("gateway-data", volume); // the name devices in the field already keep their database under
    }

    [Fact]
    public void Compose_RestartsTheGateway_AndUpdatesWithoutTwoGatewaysOnOneDatabase()
    {
        YamlMappingNode gateway = Gateway();

        Assert.Contains(gateway.Scalar("restart"), (string[])["always", "unless-stopped"]);
        YamlMappingNode labels = gateway.Map("labels");
        Assert.NotEqual("hand-over", labels.Scalar("io.balena.update.strategy"));
        Assert.DoesNotContain("io.balena.features.balena-api", labels.Keys()); // it only hands the container an API key
    }

    [Fact]
    public void Compose_And_Dockerfile_CheckHealthOnHealthz_AtThePortTheGatewayListensOn()
    {
        string urls = EnvOfDockerfile()["Gateway__Urls"];
        int port = new Uri(urls.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        string healthz = $"http://127.0.0.1:{port}/healthz";

        YamlMappingNode check = Gateway().Map("healthcheck");
        List<string> test = check.Strings("test");
        Assert.Equal("CMD", test[0]);
        Assert.Contains(healthz, test);
        Assert.Contains("-f", string.Join(' ', test), StringComparison.Ordinal); // curl fails on a 503
        Assert.NotNull(check.Scalar("start_period"));

        string instruction = Assert.Single(Dockerfile(), i => i.StartsWith("HEALTHCHECK", StringComparison.Ordinal));
        Assert.Contains(healthz, instruction, StringComparison.Ordinal);
        Assert.Contains("curl -fsS", instruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_BuildContext_IsASubfolderOfTheUpload_HoldingAllTheDockerfileCopies()
    {
        string build = Assert.IsType<YamlScalarNode>(Gateway().Child("build")).Value!;
        string upload = Path.Combine(Path.GetTempPath(), "edge-balena-upload-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int exit, _, string err) = await DeployFiles.RunAsync("bash", [DeployFiles.BalenaFile("push.sh"), "--stage-only", upload], environment: null, TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, "push.sh --stage-only failed: " + err);

            // What balena reads at the root of the upload.
            Assert.True(File.Exists(Path.Combine(upload, "docker-compose.yml")));
            Assert.True(File.Exists(Path.Combine(upload, "balena.yml")));

            string context = Path.GetFullPath(Path.Combine(upload, build));
            Assert.StartsWith(Path.GetFullPath(upload) + Path.DirectorySeparatorChar, context, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(context, "Dockerfile.template")), "balena looks for Dockerfile.template at the root of the build context");
            foreach (string source in Dockerfile().Where(i => i.StartsWith("COPY ", StringComparison.Ordinal) && !i.Contains("--from", StringComparison.Ordinal))
                         .SelectMany(i => i.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]))
            {
                Assert.True(File.Exists(Path.Combine(context, source)) || Directory.Exists(Path.Combine(context, source)), $"COPY {source}: not in the build context");
            }

            Assert.True(File.Exists(Path.Combine(context, "src", "Edge.Gateway", "Edge.Gateway.csproj")));
            Assert.False(Directory.Exists(Path.Combine(context, "tests")), "only what the image builds is uploaded");
        }
        finally
        {
            if (Directory.Exists(upload))
            {
                Directory.Delete(upload, recursive: true);
            }
        }
    }

    [Fact]
    public void BalenaYml_NamesTheDeviceTypesUnderData()
    {
        YamlMappingNode yml = DeployFiles.LoadYaml(DeployFiles.BalenaFile("balena.yml"));

        Assert.Equal("sw.application", yml.Scalar("type"));
        Assert.False(string.IsNullOrWhiteSpace(yml.Scalar("name")));
        Assert.False(string.IsNullOrWhiteSpace(yml.Scalar("description")));
        Assert.Matches(@"^\d+\.\d+\.\d+$", yml.Scalar("version"));
        YamlMappingNode data = yml.Map("data");
        List<string> supported = data.Strings("supportedDeviceTypes");
        Assert.NotEmpty(supported);
        Assert.Contains(data.Scalar("defaultDeviceType"), supported);
        Assert.DoesNotContain("supportedDeviceTypes", yml.Keys());
        Assert.DoesNotContain("defaultDeviceType", yml.Keys());
    }

    [Fact]
    public void BalenaYml_SupportsOnlyDeviceTypesTheDockerfileHasARuntimeFor()
    {
        List<string> supported = DeployFiles.LoadYaml(DeployFiles.BalenaFile("balena.yml")).Map("data").Strings("supportedDeviceTypes");
        Dictionary<string, string> rids = RidOfArch();

        Assert.All(supported, type =>
        {
            Assert.True(ArchOfDeviceType.TryGetValue(type, out string? arch), $"{type}: add its BALENA_ARCH to this test");
            Assert.True(rids.ContainsKey(arch!), $"{type} is {arch}, which Dockerfile.template does not publish for");
            Assert.Contains(Dockerfile(), i => i.StartsWith("FROM ", StringComparison.Ordinal) && i.EndsWith(" AS runtime-" + arch, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Dockerfile_PublishesSelfContained_ForTheRuntimeIdentifierOfBalenasArchitecture()
    {
        List<string> instructions = Dockerfile();

        Assert.Contains(instructions, i => i.Contains("%%BALENA_ARCH%%", StringComparison.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["aarch64"] = "linux-arm64", ["armv7hf"] = "linux-arm", ["amd64"] = "linux-x64" }, RidOfArch());
        string publish = Assert.Single(instructions, i => i.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("dotnet publish src/Edge.Gateway -c Release -r \"$rid\" --self-contained", publish, StringComparison.Ordinal);
        Assert.Equal("FROM runtime-%%BALENA_ARCH%%", instructions.Last(i => i.StartsWith("FROM ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Dockerfile_RuntimeInstallsLibgpiodV1_Curl_AndStartsTheEntrypoint()
    {
        List<string> instructions = Dockerfile();
        string install = Assert.Single(instructions, i => i.Contains("apt-get install", StringComparison.Ordinal));

        // System.Device.Gpio 4.2's LibGpiodDriver binds libgpiod.so.2 (libgpiod 1.x): Debian 12's libgpiod2.
        Assert.Contains(" libgpiod2 ", install + " ", StringComparison.Ordinal);
        Assert.Contains(" curl ", install + " ", StringComparison.Ordinal);
        Assert.Contains(" ca-certificates ", install + " ", StringComparison.Ordinal);
        Assert.Contains(" tzdata ", install + " ", StringComparison.Ordinal);
        Assert.All(instructions.Where(i => i.StartsWith("FROM ", StringComparison.Ordinal) && i.Contains("debian", StringComparison.Ordinal)),
            from => Assert.Contains("debian:bookworm", from, StringComparison.Ordinal));
        Assert.Contains("ENTRYPOINT [\"/app/entrypoint.sh\"]", instructions);
        Assert.Contains("WORKDIR /app", instructions);
    }

    [Fact]
    public void Entrypoint_StartsTheExecutableThePublishProduces()
    {
        string csproj = File.ReadAllText(Path.Combine(DeployFiles.RepoRoot, "src", "Edge.Gateway", "Edge.Gateway.csproj"));
        string entrypoint = File.ReadAllText(DeployFiles.BalenaFile("entrypoint.sh"));

        Assert.Contains("<AssemblyName>edge-gateway</AssemblyName>", csproj, StringComparison.Ordinal);
        Assert.Contains("${EDGE_GATEWAY_BIN:-/app/edge-gateway}", entrypoint, StringComparison.Ordinal);
        Assert.Contains("exec \"$bin\" run \"$@\"", entrypoint, StringComparison.Ordinal);
    }

    /// <summary>The ENV pairs of the Dockerfile.</summary>
    private static Dictionary<string, string> EnvOfDockerfile() =>
        Dockerfile().Where(i => i.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(i => i[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);

    /// <summary>The case arms of the publish step: balena architecture → .NET runtime identifier.</summary>
    private static Dictionary<string, string> RidOfArch() =>
        RidArm().Matches(Assert.Single(Dockerfile(), i => i.Contains("dotnet publish", StringComparison.Ordinal)))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    [GeneratedRegex(@"(\w+)\) rid=([\w-]+) ;;")]
    private static partial Regex RidArm();
}
