
namespace Edge.Gateway.Shelves;

/// <summary>The shelves this gateway reads, and whether they are simulated.</summary>
public sealed record ShelfLayout(IReadOnlyList<ShelfOptions> Shelves, bool Simulated)
{
    /// <summary>A shelf by id.</summary>
    public ShelfOptions? Find(string shelfId) => Shelves.FirstOrDefault(s => s.Id == shelfId);
}
