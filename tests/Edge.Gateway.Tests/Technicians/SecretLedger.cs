using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Edge.Cloud.IotHub;
using Edge.Cloud.Tests.Probe;

namespace Edge.Gateway.Tests.Technicians;

/// <summary>Every secret the technicians' tests hand to the CLI or to a fake; none may be printed.</summary>
internal static class TestSecrets
{
    public const string RegistrationId = "gw-store-042";

    public static readonly string WrongPassword = "wrong-" + SecuredMosquitto.Passwords["gateway"];
    public static readonly string DeviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("device-primary-key-for-techs-32b"));
    public static readonly string WrongDeviceKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not-the-device-key-at-all-32byte"));
    public static readonly string GroupKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("group-enrollment-key-for-techs-32"));
    public static readonly string DerivedKey = SasToken.DeriveDeviceKey(GroupKey, RegistrationId);

    public static IEnumerable<(string Name, string Value)> All =>
    [
        .. SecuredMosquitto.Passwords.Select(p => ($"password of {p.Key}", p.Value)),
        ("the wrong password", WrongPassword),
        ("the device key", DeviceKey),
        ("the wrong device key", WrongDeviceKey),
        ("the DPS group key", GroupKey),
        ("the derived DPS key", DerivedKey),
    ];
}

/// <summary>
/// Everything a test class's CLI runs printed (and any gateway log), checked for secrets: no password or key may
/// appear anywhere, and an admin token only once, as the whole line of the human-mode stdout of the admin or
/// provision run that created it. Tokens are found by their <c>edge_</c> shape and from the files they were written
/// to, so a token delivered by file and also printed is caught.
/// </summary>
public sealed partial class SecretLedger
{
    private readonly ConcurrentQueue<(string What, string Text, bool MayShowToken)> _texts = new();
    private readonly ConcurrentDictionary<string, bool> _fileTokens = new();

    internal void Record(CliRun run)
    {
        string what = "edge-gateway " + string.Join(' ', run.Args);
        bool creates = run.Args.Count > 0 && run.Args[0] is "admin" or "provision";
        _texts.Enqueue((what + " (stdout)", run.Out, creates && !run.Json));
        _texts.Enqueue((what + " (stderr)", run.Err, false));
    }

    /// <summary>A text other than a CLI run's output, such as a gateway's log.</summary>
    public void Record(string what, string text) => _texts.Enqueue((what, text, false));

    /// <summary>A token the CLI delivered in a file: it must appear in no output at all.</summary>
    public void TokenDeliveredByFile(string token) => _fileTokens[token.Trim()] = true;

    public void AssertNoSecretLeaked()
    {
        var leaks = new List<string>();
        (string What, string Text, bool MayShowToken)[] texts = [.. _texts];
        foreach ((string name, string value) in TestSecrets.All)
        {
            leaks.AddRange(texts.Where(t => t.Text.Contains(value, StringComparison.Ordinal)).Select(t => $"{name} in {t.What}"));
        }

        HashSet<string> tokens = [.. _fileTokens.Keys, .. texts.SelectMany(t => TokenShape().Matches(t.Text).Select(m => m.Value))];
        foreach (string token in tokens)
        {
            int occurrences = texts.Sum(t => Count(t.Text, token));
            var shown = texts.Where(t => t.MayShowToken && t.Text.Split('\n').Count(l => l == token) == 1 && Count(t.Text, token) == 1).Select(t => t.What).ToList();
            bool allowed = !_fileTokens.ContainsKey(token) && shown.Count == 1 && occurrences == 1;
            if (occurrences > 0 && !allowed)
            {
                leaks.Add($"admin token {token[..9]}… appears {occurrences} time(s): in {string.Join(", ", texts.Where(t => Count(t.Text, token) > 0).Select(t => t.What))}");
            }
        }

        Assert.True(leaks.Count == 0, "secrets in the output:\n" + string.Join('\n', leaks));
    }

    private static int Count(string text, string value)
    {
        int n = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    // Edge.Gateway.Admin.AdminToken: "edge_" and 32 random bytes in base64url (43 characters).
    [GeneratedRegex("edge_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenShape();
}
