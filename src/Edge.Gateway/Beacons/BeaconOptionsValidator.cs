using Edge.Gateway.Hosting;

namespace Edge.Gateway.Beacons;

/// <summary>Section <c>Beacons</c>.</summary>
internal sealed class BeaconOptionsValidator(BindingProblems binding) : SectionValidator<BeaconOptions>(binding)
{
    protected override IEnumerable<string> Problems(BeaconOptions options)
    {
        foreach (string problem in options.Problems())
        {
            yield return problem;
        }

        if (options.ReplayFile is { } replay && !File.Exists(replay))
        {
            yield return $"Beacons:ReplayFile '{replay}' does not exist";
        }
    }
}
