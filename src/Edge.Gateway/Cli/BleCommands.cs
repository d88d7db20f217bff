using System.CommandLine;
using System.Text.Json;
using Edge.Gateway.Beacons;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary><c>ble decode</c> and <c>ble parse-hci</c>: decode what a capture or btmon shows, one JSON object per input line.</summary>
internal static class BleCommands
{
    public static Command Build()
    {
        var adHex = new Argument<string[]>("hex") { Description = "Advertising data as hex (spaces and colons ignored), or - to read one per line from stdin", Arity = ArgumentArity.OneOrMore };
        var decode = new Command("decode", "Decode advertising data (AD structures) into beacon frames: one {\"frames\":[...]} per input.") { adHex };
        decode.SetAction(parse => Run(parse.GetValue(adHex)!, (w, bytes) =>
        {
            w.WriteStartObject();
            BeaconJson.WriteFrames(w, bytes);
            w.WriteEndObject();
        }));

        var hciHex = new Argument<string[]>("hex") { Description = "Whole HCI event packets as hex, starting with 04 3e, or - to read one per line from stdin", Arity = ArgumentArity.OneOrMore };
        var parseHci = new Command("parse-hci", "Parse HCI LE advertising report events: one {\"reports\":[...]} or {\"error\":...} per input.") { hciHex };
        parseHci.SetAction(parse => Run(parse.GetValue(hciHex)!, (w, bytes) => BeaconJson.WriteReports(w, bytes)));

        var file = new Argument<string>("file") { Description = "Capture to write (btsnoop, monitor format: one adapter per receiver)" };
        var minutes = new Option<int>("--minutes") { Description = "Length of the capture in minutes", DefaultValueFactory = _ => 10 };
        var simulate = new Command("simulate-capture", "Write a btsnoop capture of the simulated busy store (3 receivers, 4 store beacons, 6 shoppers, 300 other devices) for --ble-replay.") { file, minutes };
        simulate.SetAction(parse =>
        {
            int m = parse.GetValue(minutes);
            if (m is < 1 or > 24 * 60)
            {
                Console.Error.WriteLine("error: --minutes must be from 1 to 1440");
                return ExitCodes.Usage;
            }

            using FileStream stream = File.Create(parse.GetValue(file)!);
            new Simulation.SimulatedBeaconCapture().Write(stream, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(m));
            return ExitCodes.Ok;
        });

        return new Command("ble", "Bluetooth LE beacon tools for captures and btmon output.") { decode, parseHci, simulate };
    }

    private static int Run(string[] inputs, Action<Utf8JsonWriter, byte[]> write)
    {
        IEnumerable<string> lines = inputs is ["-"] ? ReadStdin() : inputs;
        using Stream stdout = Console.OpenStandardOutput();
        foreach (string line in lines)
        {
            using (var w = new Utf8JsonWriter(stdout))
            {
                if (TryParseHex(line, out byte[]? bytes, out string? error))
                {
                    write(w, bytes);
                }
                else
                {
                    w.WriteStartObject();
                    w.WriteString("error", error);
                    w.WriteEndObject();
                }
            }

            stdout.WriteByte((byte)'\n');
        }

        return ExitCodes.Ok;
    }

    // Every input line gives one output line, a blank one included (empty advertising data has no frames; an
    // empty HCI packet is an error), so a script can pair them up.
    private static IEnumerable<string> ReadStdin()
    {
        while (Console.In.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static bool TryParseHex(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        string hex = string.Concat(text.Where(c => !char.IsWhiteSpace(c) && c != ':'));
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        bytes = null;
        error = null;
        if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            error = "input is not hex (an even number of 0-9a-f digits)";
            return false;
        }

        bytes = Convert.FromHexString(hex);
        return true;
    }
}
