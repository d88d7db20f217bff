using System.Diagnostics;

namespace Edge.Gateway.Tests.EndToEnd;

/// <summary>The command-line contracts other tools parse, checked on the real executable.</summary>
public class CliContractTests
{
    internal static async Task<(int Exit, string Out, string Err)> RunAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(GatewayProcess.GatewayDll());
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
        }

        p.StandardInput.Close();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await output, await error);
    }

    [Fact]
    public async Task BleDecode_PrintsOneFramesObjectPerInput()
    {
        (int exit, string output, _) = await RunAsync(null, "ble", "decode",
            "02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509",
            "0201061aff4c000215414243444546474849404142434445460001000 2f8",
            "02 01 06 03 03 aa fe 11 16 aa fe 20 00 0b 18 ff 80 00 00 14 67 00 00 2a c4",
            "020106",
            "xyz");

        Assert.Equal(0, exit);
        Assert.Equal(
        [
            "{\"frames\":[{\"type\":\"altbeacon\",\"manufacturerId\":280,\"beaconId\":\"2f234454cf6d4a0fadf2f4911ba9ffa600010002\",\"referenceRssi\":-59,\"reserved\":9}]}",
            "{\"frames\":[{\"type\":\"ibeacon\",\"uuid\":\"41424344-4546-4748-4940-414243444546\",\"major\":1,\"minor\":2,\"measuredPower\":-8}]}",
            "{\"frames\":[{\"type\":\"eddystone-tlm\",\"batteryMv\":2840,\"temperatureC\":-0.5,\"advCount\":5223,\"uptimeSeconds\":1094.8}]}",
            "{\"frames\":[]}",
            "{\"error\":\"input is not hex (an even number of 0-9a-f digits)\"}",
        ], output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task BleParseHci_ReadsStdin_AndReportsMalformedPacketsInBand()
    {
        string legacy = "043e2b02010301" + "3594efcdd61c" + "1f" + "0201061aff4c000215414243444546474849404142434445460001000 2f8".Replace(" ", "", StringComparison.Ordinal) + "c5";
        legacy = legacy.Replace("1f0201061aff", "1e0201061aff", StringComparison.Ordinal).Replace("043e2b", "043e2a", StringComparison.Ordinal);

        (int exit, string output, _) = await RunAsync(legacy + "\n\n043e0502\n", "ble", "parse-hci", "-");

        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(0, exit);
        Assert.Equal(3, lines.Length); // one output line per input line, the blank one included
        Assert.StartsWith("{\"error\":", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("{\"reports\":[{\"eventType\":3,\"addressType\":\"random\",\"address\":\"1c:d6:cd:ef:94:35\",\"rssi\":-59,\"data\":\"0201061aff4c", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"frames\":[{\"type\":\"ibeacon\",\"uuid\":\"41424344-4546-4748-4940-414243444546\"", lines[0], StringComparison.Ordinal);
        Assert.Equal("{\"error\":\"parameter length does not match the packet length\"}", lines[2]);
    }

    [Fact]
    public async Task CredentialVerbs_PrintTheResultAlone_OrOneErrorLineAndExit1()
    {
        (int okExit, string derived, string okErr) = await RunAsync(null, "dps", "derive-key", "--group-key", "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==", "--registration-id", "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6");
        (int sasExit, string sas, _) = await RunAsync(null, "iothub", "sas", "--resource", "myhub.azure-devices.net/devices/dev1", "--key", "c29tZUtleQ==", "--expiry", "1790000000");
        (int badExit, string badOut, string badErr) = await RunAsync(null, "iothub", "sas", "--resource", "h/devices/d", "--key", "not base64!", "--expiry", "1");

        Assert.Equal((0, "Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=\n", ""), (okExit, derived, okErr));
        Assert.Equal(0, sasExit);
        Assert.Matches("^SharedAccessSignature sr=myhub\\.azure-devices\\.net%2Fdevices%2Fdev1&sig=[A-Za-z0-9%]+&se=1790000000\n$", sas);
        Assert.Equal(1, badExit);
        Assert.Equal("", badOut);
        Assert.Equal("error: The key is not valid base64.", badErr.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("error: unknown verb 'frobnicate' (verbs: run, iothub, dps, ble, promotions, shelf, beacon, screen, zone, outbox, admin, provision, diag)", "frobnicate")]
    [InlineData("error: 'ble' needs a verb: decode, parse-hci, simulate-capture", "ble")]
    [InlineData("error: unknown verb 'frob' for 'ble' (verbs: decode, parse-hci, simulate-capture)", "ble", "frob")]
    [InlineData("error: Unrecognized command or argument '--bogus'.", "--bogus")]
    public async Task UsageErrors_SayWhatWasWrongInOneLine_AndPrintHelpOnStderrOnly(string firstLine, params string[] args)
    {
        (int exit, string output, string error) = await RunAsync(null, args);

        Assert.Equal(1, exit);
        Assert.Equal("", output); // scripts read results from stdout
        Assert.Equal(firstLine, error.Split('\n')[0]);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestedHelp_GoesToStdout_WithExit0()
    {
        (int exit, string output, string error) = await RunAsync(null, "run", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--data-dir", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }
}
