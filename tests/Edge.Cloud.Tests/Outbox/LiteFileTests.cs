using Edge.Cloud.Outbox;
using LiteDB;

namespace Edge.Cloud.Tests.Outbox;

public sealed class LiteFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-litefile-").FullName;

    private string DbPath => Path.Combine(_dir, "outbox.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ACommitOfManyPages_SyncsTheLogOnce_AndAReadSyncsNothing()
    {
        using LiteDatabase db = LiteFile.Open(DbPath);
        var host = new FixedDatabaseHost(db);
        long before = LiteFile.LogSyncs(db)!.Value;

        // 2,000 documents of 1 KiB in one transaction: some 250 log pages, which LiteDB's writer would have synced
        // each time it caught up with them.
        host.Run(d => d.GetCollection("m").InsertBulk(Enumerable.Range(1, 2000).Select(i => new BsonDocument { ["_id"] = i, ["body"] = new byte[1024] })));
        Assert.Equal(before + 1, LiteFile.LogSyncs(db));

        Assert.Equal(2000, host.Run(d => d.GetCollection("m").Count()));
        Assert.Equal(before + 1, LiteFile.LogSyncs(db));

        for (int i = 0; i < 5; i++)
        {
            host.Run(d => d.GetCollection("m").Insert(new BsonDocument { ["_id"] = 10_000 + i }));
        }

        Assert.Equal(before + 6, LiteFile.LogSyncs(db));
    }

    [Fact]
    public void WhatACommitWrote_IsInTheFilesWhileTheDatabaseIsStillOpen_AsAfterAKill()
    {
        using LiteDatabase db = LiteFile.Open(DbPath);
        new FixedDatabaseHost(db).Run(d => d.GetCollection("m").Insert(new BsonDocument { ["_id"] = 7, ["v"] = "kept" }));

        // Copy the files as a SIGKILL would leave them: no dispose, no checkpoint.
        string copy = Path.Combine(_dir, "copy.db");
        File.Copy(DbPath, copy);
        File.Copy(LiteFile.LogFileOf(DbPath), LiteFile.LogFileOf(copy));
        using LiteDatabase reopened = LiteFile.Open(copy);
        Assert.Equal("kept", reopened.GetCollection("m").FindById(7)["v"].AsString);
    }

    [Fact]
    public void Disposing_ClosesBothFiles_RemovesTheEmptyLog_AndKeepsTheData()
    {
        using (LiteDatabase db = LiteFile.Open(DbPath))
        {
            new FixedDatabaseHost(db).Run(d => d.GetCollection("m").Insert(new BsonDocument { ["_id"] = 1 }));
            _ = db.GetCollection("m").Find(Query.All()).First(); // a reader stream rented from LiteDB's pool
        }

        Assert.False(File.Exists(LiteFile.LogFileOf(DbPath)));

        // Nothing holds the file any more: it can be opened exclusively.
        using (new FileStream(DbPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }

        using LiteDatabase again = LiteFile.Open(DbPath);
        Assert.Equal(1, again.GetCollection("m").Count());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DbPath));
        }
    }

    [Fact]
    public void AFileThatIsNotADatabase_IsRefused_AndLeftClosed()
    {
        File.WriteAllBytes(DbPath, Enumerable.Repeat((byte)0x5A, 8192 * 3).ToArray());
        Assert.ThrowsAny<Exception>(() => LiteFile.Open(DbPath).Dispose());
        using (new FileStream(DbPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }
    }
}
