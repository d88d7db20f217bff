using Edge.Gateway.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Simulation;

public sealed class SimulatedStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-sim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task At600ActionsAMinute_AboutThatManyHappen_ShoppersActingAtDifferentShelvesAtOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var store = new SimulatedStore(DemoStoreLayout.Shelves(), new SimulationOptions { ShopperRatePerMinute = 600 }, _dir, time);
        using var stop = new CancellationTokenSource();
        Task shoppers = store.RunShoppersAsync(stop.Token);

        // Twenty simulated seconds, in 5 ms steps, each taken only once the shoppers wait on the clock again.
        for (int step = 0; step < 4000; step++)
        {
            Assert.True(SpinWait.SpinUntil(() => store.WaitingUntil > time.GetTimestamp(), TimeSpan.FromSeconds(10)), "the shoppers stopped waiting on the clock");
            time.Advance(TimeSpan.FromMilliseconds(5));
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => shoppers);
        // 200 expected (Poisson, sd 14); the old store-wide 1.5 s gap allowed at most 14.
        Assert.InRange(store.Actions, 160, 240);
    }

    [Fact]
    public void APutBeyondTheShelfsCapacity_IsRefused_AndChangesNothing()
    {
        var store = new SimulatedStore(DemoStoreLayout.Shelves(), new SimulationOptions(), _dir);
        string shelf = DemoStoreLayout.Shelves()[0].Id;
        int before = store.ItemsOn(shelf)!.Value;
        int room = store.CapacityOf(shelf)!.Value - before;

        Assert.Equal(SimulatedActionResult.NoRoom, store.Put(shelf, room + 1));
        Assert.Equal(before, store.ItemsOn(shelf));
        Assert.Equal(room > 0 ? SimulatedActionResult.Done : SimulatedActionResult.NoRoom, store.Put(shelf, Math.Max(room, 1)));
    }
}
