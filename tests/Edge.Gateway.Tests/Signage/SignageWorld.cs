using System.Text.Json;
using Edge.Gateway.Events;
using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.Signage;
using Edge.Gateway.Simulation;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Signage;

/// <summary>
/// The signage area over the real store-data repository, view, price service and availability calculator, on a
/// controlled clock: the demo store's shelves and screens, with shelf counts set directly on the stock board.
/// </summary>
internal sealed class SignageWorld : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-signage-").FullName;
    private readonly GatewayDatabase _database;
    private readonly StoreDataRepository _repository;

    public SignageWorld(TimeSpan? offlineAfter = null, DateTimeOffset? start = null)
    {
        // Not before the build date unless asked: the clock guard calls an earlier one implausible.
        Time = new FakeTimeProvider(start ?? DateTimeOffset.UtcNow);
        _database = GatewayDatabase.Open(_dir);
        _repository = new StoreDataRepository(_database);
        Data = new StoreDataView(_repository);
        Layout = new ShelfLayout(DemoStoreLayout.Shelves(), Simulated: true);
        IOptions<OmnichannelOptions> omnichannel = Options.Create(new OmnichannelOptions());
        Clock = new StoreClock(Time, omnichannel);
        Prices = new PriceService(Data, Layout, Clock, omnichannel);
        var availability = new AvailabilityCalculator(Layout, Board, Data, Time, omnichannel);
        var builder = new ScreenContentBuilder(Prices, availability, Data, Layout, Clock, Options.Create(new StoreOptions()), omnichannel);
        Hub = new SignageHub(new ScreenList(DemoStoreLayout.Screens()), builder, Bus, Time,
            Options.Create(new ScreensOptions { OfflineAfter = offlineAfter ?? TimeSpan.FromMinutes(2) }));
        foreach (ShelfOptions s in Layout.Shelves)
        {
            SetCount(s.Id, s.Capacity / 2);
        }
    }

    public FakeTimeProvider Time { get; }

    public StoreDataView Data { get; }

    public ShelfLayout Layout { get; }

    public StoreClock Clock { get; }

    public PriceService Prices { get; }

    public StockBoard Board { get; } = new();

    public EventBus Bus { get; } = new();

    public SignageHub Hub { get; }

    public void SetCount(string shelfId, int? count) =>
        Board.Publish(new StockRow(shelfId, count is not null, count ?? 0, 0, 0, count is null ? SlotStatus.Starting : SlotStatus.Ok, Time.GetUtcNow()));

    /// <summary>Stores a payload of <paramref name="kind"/> as the cloud's would be; returns whether it was stored.</summary>
    public bool Apply(string kind, object payload)
    {
        DateTimeOffset now = Time.GetUtcNow();
        StoreDataRepository.Result r = _repository.Apply(kind, JsonSerializer.SerializeToUtf8Bytes(payload), now);
        if (r.Outcome == StoreDataRepository.Outcome.Stored)
        {
            Data.Apply(r, now);
            return true;
        }

        return r.Outcome == StoreDataRepository.Outcome.Rejected ? throw new InvalidOperationException(r.Message) : false;
    }

    /// <summary>A snapshot of <paramref name="kind"/> at the next version.</summary>
    public bool Snapshot(string kind, params object[] items) =>
        Apply(kind, new { version = (Data.VersionOf(kind)?.Version ?? 0) + 1, items });

    /// <summary>A delta of <paramref name="kind"/> on the stored version.</summary>
    public bool Delta(string kind, object[] upsert, string[]? remove = null)
    {
        long based = Data.VersionOf(kind)?.Version ?? 0;
        return Apply(kind, new { version = based + 1, baseVersion = based, upsert, remove = remove ?? [] });
    }

    public void Dispose()
    {
        Hub.Dispose();
        _database.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
