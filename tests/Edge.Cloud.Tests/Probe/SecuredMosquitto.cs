using System.Diagnostics;
using Edge.Cloud.Tests.Brokers;

namespace Edge.Cloud.Tests.Probe;

/// <summary>
/// A real Mosquitto with a TLS listener, no anonymous access, a password file made by <c>mosquitto_passwd -b</c> and
/// an ACL file: <c>gateway</c> may use everything under <c>retail/s1/g1</c>; <c>nosub</c> and <c>noread</c> may not
/// read its commands; <c>nopub</c> may not write its status.
/// Mosquitto's ACL file never refuses a subscription (2.0.11 <c>security_default.c</c>: "FIXME - implement ACL
/// subscription strings"); it only withholds the messages. So the dynamic-security plugin, which does refuse in the
/// SUBACK, also knows <c>nosub</c> (without a password: the password file still authenticates it) with a role that
/// denies subscribing to the commands. <c>noread</c> is the ACL-file-only case a probe cannot see.
/// </summary>
internal sealed class SecuredMosquitto : IDisposable
{
    public const string Prefix = "retail/s1/g1";
    public const string Commands = Prefix + "/commands/#";
    public const string Status = Prefix + "/status";

    /// <summary>Every user's password; the probe must never print one.</summary>
    public static readonly Dictionary<string, string> Passwords = new()
    {
        ["gateway"] = "s3cret-gateway-Pw",
        ["nosub"] = "s3cret-nosub-Pw",
        ["nopub"] = "s3cret-nopub-Pw",
        ["noread"] = "s3cret-noread-Pw",
    };

    private static readonly string DynamicSecurity =
        new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib" }.Select(d => Path.Combine(d, "mosquitto_dynamic_security.so")).FirstOrDefault(File.Exists)
        ?? "mosquitto_dynamic_security.so";

    private readonly Mosquitto _broker;
    private readonly string _dir;

    public SecuredMosquitto(ProbePki pki, (string Cert, string Key) serverCertificate)
    {
        _dir = Directory.CreateTempSubdirectory("edge-probe-broker-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // Mosquitto drops root for its own user before it reads these files.
            File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        }

        string passwd = Path.Combine(_dir, "passwd");
        foreach ((string user, string password) in Passwords)
        {
            MosquittoPasswd(passwd, user, password);
        }

        string acl = Path.Combine(_dir, "acl");
        File.WriteAllText(acl, $"""
            user gateway
            topic readwrite {Prefix}/#

            user nosub
            topic write {Prefix}/#

            user nopub
            topic read {Prefix}/#

            user noread
            topic write {Prefix}/#

            """);
        Assert.True(File.Exists(DynamicSecurity), $"{DynamicSecurity} is missing (it comes with the mosquitto package)");
        string dynsec = Path.Combine(_dir, "dynamic-security.json");
        File.WriteAllText(dynsec, $$"""
            {
              "clients": [ { "username": "nosub", "roles": [ { "rolename": "no-commands" } ] } ],
              "roles": [ { "rolename": "no-commands", "acls": [ { "acltype": "subscribePattern", "topic": "{{Commands}}", "priority": 0, "allow": false } ] } ]
            }
            """);
        int port = Mosquitto.FreePort();
        _broker = new Mosquitto(port, $"""
            per_listener_settings false
            allow_anonymous false
            password_file {passwd}
            acl_file {acl}
            plugin {DynamicSecurity}
            plugin_opt_config_file {dynsec}
            persistence false
            log_dest stderr
            log_type error
            listener {port} 127.0.0.1
            cafile {pki.CaFile}
            certfile {serverCertificate.Cert}
            keyfile {serverCertificate.Key}

            """);
    }

    public int Port => _broker.Port;

    public void Dispose()
    {
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static void MosquittoPasswd(string file, string user, string password)
    {
        var info = new ProcessStartInfo("mosquitto_passwd") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (!File.Exists(file))
        {
            info.ArgumentList.Add("-c");
        }

        foreach (string arg in new[] { "-b", file, user, password })
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "mosquitto_passwd did not finish");
        Assert.True(process.ExitCode == 0, $"mosquitto_passwd failed: {error}");
    }
}
