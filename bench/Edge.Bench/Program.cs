using BenchmarkDotNet.Running;
using Edge.Bench;

// `latency`, `rss`, `startup`, `outbox`, `drain`, `ble-replay`, `soak`, `storedata`, `signage` and `offers` are measured harnesses; anything else goes to BenchmarkDotNet (e.g. --filter '*Pipeline*').
switch (args.FirstOrDefault())
{
    case "latency":
        LatencyHarness.Run();
        break;
    case "outbox":
        await OutboxHarness.RunAsync(args.Length > 1 ? args[1] : null);
        break;
    case "drain":
        await DrainHarness.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 64);
        break;
    case "ble-replay":
        await BleReplayHarness.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60);
        break;
    case "soak":
        await SoakHarness.RunAsync(args[1..]);
        break;
    case "storedata-apply":
        StoreDataHarness.ApplyInProcess(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50_000);
        break;
    case "storedata":
        await StoreDataHarness.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50_000, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100);
        break;
    case "signage":
        await SignageHarness.RunAsync(args[1..]);
        break;
    case "offers":
        OfferHarness.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
        break;
    case "rss":
        await RssHarness.RunAsync(args[1..]);
        break;
    case "startup":
        await StartupHarness.RunAsync(args[1..]);
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(PipelineBenchmarks).Assembly).Run(args);
        break;
}
