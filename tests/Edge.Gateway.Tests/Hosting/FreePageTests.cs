using System.Buffers.Binary;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.Tests.Hosting;

/// <summary>A free page zeroed by a failing card: nothing reads it until LiteDB reuses it, as page 0.</summary>
public sealed class FreePageTests : IDisposable
{
    private const int PageSize = 8192;
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-freepages-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf => Path.Combine(_dir, GatewayDatabase.FileName);

    // A database whose free list holds pages: a collection of large documents, dropped.
    private void WithFreePages()
    {
        using GatewayDatabase db = GatewayDatabase.Open(_dir);
        db.Run(d =>
        {
            ILiteCollection<BsonDocument> scratch = d.GetCollection("scratch");
            for (int i = 0; i < 40; i++)
            {
                scratch.Insert(new BsonDocument { ["_id"] = i, ["blob"] = new byte[4000] });
            }

            d.GetCollection("kept").Insert(new BsonDocument { ["_id"] = 1, ["note"] = "still here" });
            return d.DropCollection("scratch");
        });
    }

    private uint FirstFreePage()
    {
        byte[] file = File.ReadAllBytes(PathOf);
        return BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(60));
    }

    [Fact]
    public void Reopening_AfterPagesWereFreed_IsNoDamage()
    {
        WithFreePages();

        using GatewayDatabase db = GatewayDatabase.Open(_dir);

        Assert.NotEqual(uint.MaxValue, FirstFreePage()); // the list is there to be followed
        Assert.Null(db.QuarantinedTo);
        Assert.Equal("still here", db.Run(d => d.GetCollection("kept").FindById(1)["note"].AsString));
    }

    [Fact]
    public void AZeroedFreePage_IsDamage_AndTheFileIsSetAsideBeforeLiteDbReusesItAsPageZero()
    {
        WithFreePages();
        uint free = FirstFreePage();
        Assert.NotEqual(uint.MaxValue, free);
        using (var stream = new FileStream(PathOf, FileMode.Open))
        {
            stream.Position = free * PageSize;
            stream.Write(new byte[PageSize]);
        }

        using GatewayDatabase db = GatewayDatabase.Open(_dir);

        Assert.Contains($"free page {free} is damaged (it names itself page 0", db.QuarantinedTo, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_dir, GatewayDatabase.FileName + ".corrupt-*"));
        // The fresh file takes writes.
        Assert.Equal(1, db.Run(d => d.GetCollection("kept").Insert(new BsonDocument { ["_id"] = 1 }).AsInt32));
    }

    [Fact]
    public void AFreeListThatLoops_IsDamage()
    {
        WithFreePages();
        uint free = FirstFreePage();
        using (var stream = new FileStream(PathOf, FileMode.Open))
        {
            // The free page's "next" points back at itself.
            stream.Position = (free * PageSize) + 9;
            Span<byte> self = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(self, free);
            stream.Write(self);
        }

        using GatewayDatabase db = GatewayDatabase.Open(_dir);

        Assert.Contains("the free-page list leads to page", db.QuarantinedTo, StringComparison.Ordinal);
    }
}
