using Edge.Gateway.Hosting;

namespace Edge.Gateway.Simulation;

/// <summary>Section <c>Simulation</c>.</summary>
internal sealed class SimulationOptionsValidator(BindingProblems binding) : SectionValidator<SimulationOptions>(binding)
{
    protected override IEnumerable<string> Problems(SimulationOptions options) =>
        options.ShopperRatePerMinute is >= 0 and <= 600 ? [] : ["Simulation:ShopperRatePerMinute must be from 0 to 600"];
}
