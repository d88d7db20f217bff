using System.Collections.Concurrent;
using Edge.Promotions;

namespace Edge.Gateway.StoreData;

/// <summary>
/// What the gateway reads of the stored data, in memory and typed: every promotion, online-stock level and
/// reservation line; catalog products by SKU through a bounded cache (a catalog of tens of thousands of products
/// stays on disk). Updated by <see cref="ApplyStoreDataHandler"/> after each commit; thread-safe for readers.
/// </summary>
public sealed class StoreDataView
{
    /// <summary>Catalog products kept in memory, at most; beyond that the cache starts again.</summary>
    public const int CatalogCacheSize = 4096;

    private readonly StoreDataRepository _repository;
    private readonly ConcurrentDictionary<string, CatalogItem?> _catalog = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OnlineStockLevel> _online = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ReservationLine> _reservations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Version, DateTimeOffset ReceivedAt, int Items)> _versions = new(StringComparer.Ordinal);
    private readonly Lock _promotionsLock = new();
    private SortedDictionary<string, Promotion> _promotionsById = new(StringComparer.Ordinal);
    private Promotion[] _promotions = [];

    /// <summary>Loads what is stored.</summary>
    public StoreDataView(StoreDataRepository repository)
    {
        _repository = repository ?? throw new ArgumentNullException(nameof(repository));
        foreach (string kind in StoreDataKinds.All)
        {
            if (repository.VersionOf(kind) is { } v)
            {
                _versions[kind] = v;
            }
        }

        Apply(StoreDataKinds.Promotions, true, repository.Load(StoreDataKinds.Promotions), []);
        Apply(StoreDataKinds.OnlineStock, true, repository.Load(StoreDataKinds.OnlineStock), []);
        Apply(StoreDataKinds.Reservations, true, repository.Load(StoreDataKinds.Reservations), []);
    }

    /// <summary>
    /// Every promotion, in id order: the engine's last tie-break is input order, so every channel that passes
    /// promotions sorted by id computes the same price as the gateway.
    /// </summary>
    public IReadOnlyList<Promotion> Promotions => Volatile.Read(ref _promotions);

    /// <summary>The catalog product of a SKU, or null when the catalog has none (or none has arrived).</summary>
    public CatalogItem? Catalog(string sku)
    {
        ArgumentNullException.ThrowIfNull(sku);
        if (_catalog.TryGetValue(sku, out CatalogItem? item))
        {
            return item;
        }

        if (_catalog.Count >= CatalogCacheSize)
        {
            _catalog.Clear();
        }

        item = _repository.Find(StoreDataKinds.Catalog, sku) as CatalogItem;
        _catalog[sku] = item;
        return item;
    }

    /// <summary>The online shop's level of a SKU, if any (fresh or not: the caller judges its age).</summary>
    public OnlineStockLevel? Online(string sku) => _online.TryGetValue(sku, out OnlineStockLevel? o) ? o : null;

    /// <summary>Every reservation line.</summary>
    public IEnumerable<ReservationLine> Reservations => _reservations.Values;

    /// <summary>The stored version of a kind, when it was received and how many items it has.</summary>
    public (long Version, DateTimeOffset ReceivedAt, int Items)? VersionOf(string kind) =>
        _versions.TryGetValue(kind, out var v) ? v : null;

    /// <summary>Takes what a commit stored.</summary>
    public void Apply(StoreDataRepository.Result stored, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(stored);
        string kind = stored.Kind;
        Apply(kind, stored.Snapshot, stored.Upserts, stored.Removed);
        _versions[kind] = (stored.StoredVersion, receivedAt, stored.Items);
    }

    private void Apply(string kind, bool snapshot, IReadOnlyList<(string Key, object Value)> upserts, IReadOnlyList<string> removed)
    {
        switch (kind)
        {
            case StoreDataKinds.Catalog:
                if (snapshot)
                {
                    _catalog.Clear();
                }

                foreach (string key in removed)
                {
                    _catalog.TryRemove(key, out _);
                }

                foreach ((string key, object value) in upserts)
                {
                    _catalog[key] = (CatalogItem)value;
                }

                break;

            case StoreDataKinds.Promotions:
                lock (_promotionsLock)
                {
                    SortedDictionary<string, Promotion> next = snapshot ? new(StringComparer.Ordinal) : new(_promotionsById, StringComparer.Ordinal);
                    foreach (string key in removed)
                    {
                        next.Remove(key);
                    }

                    foreach ((string key, object value) in upserts)
                    {
                        next[key] = (Promotion)value;
                    }

                    _promotionsById = next;
                    Volatile.Write(ref _promotions, [.. next.Values]);
                }

                break;

            case StoreDataKinds.OnlineStock:
                Replace(_online, snapshot, upserts, removed);
                break;

            case StoreDataKinds.Reservations:
                Replace(_reservations, snapshot, upserts, removed);
                break;
        }
    }

    private static void Replace<T>(ConcurrentDictionary<string, T> map, bool snapshot, IReadOnlyList<(string Key, object Value)> upserts, IReadOnlyList<string> removed)
    {
        if (snapshot)
        {
            HashSet<string> keep = [.. upserts.Select(u => u.Key)];
            foreach (string key in map.Keys.Where(k => !keep.Contains(k)))
            {
                map.TryRemove(key, out _);
            }
        }

        foreach (string key in removed)
        {
            map.TryRemove(key, out _);
        }

        foreach ((string key, object value) in upserts)
        {
            map[key] = (T)value;
        }
    }
}
