using Edge.Cloud.Outbox;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>
/// The CI test host once died of a LiteDB transaction's finalizer ("discarded page must be writable", thrown on the
/// finalizer thread after a failed write). The hosts now suppress the finalizers of the transactions a failed write or
/// a disposed engine leaves behind. This checks the reflection still reaches them, and that a write in an explicit
/// transaction a full disk refused, followed by collecting garbage, leaves the process alive and the file usable. It
/// did not reproduce the crash without the fix: the exact sequence that left the transaction behind is not known.
/// </summary>
[Collection(Hosting.ProcessWideStateTests.Name)]
public sealed class OrphanedTransactionTests
{
    [Fact]
    public void AWriteAFullDiskRefused_LeavesNoFinalizerThatEndsTheProcess()
    {
        Assert.True(LiteTransactions.IsSupported, "LiteDB's transactions moved: LiteTransactions must follow them");
        using var disk = new SmallDisk(2);
        var database = GatewayDatabase.Open(disk.Path);
        database.Run(db => db.GetCollection("t").Insert(new BsonDocument { ["x"] = 1 }));
        string filler = disk.Fill();
        var big = new BsonDocument { ["blob"] = new byte[512 * 1024] };

        // As the repositories write: several operations in one explicit transaction, rolled back when one fails.
        void Write() => database.Run(db =>
        {
            db.BeginTrans();
            try
            {
                db.GetCollection("t").Insert(big);
                db.GetCollection("u").Insert(new BsonDocument { ["y"] = 1 });
                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }
        });

        Assert.ThrowsAny<Exception>(Write);
        File.Delete(filler);
        database.Run(db => db.GetCollection("t").Insert(new BsonDocument { ["x"] = 2 }));
        database.Dispose();

        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        using var reopened = GatewayDatabase.Open(disk.Path);
        Assert.Equal(2, reopened.Run(db => db.GetCollection("t").Count()));
    }
}
