using Edge.Gateway.Cloud;
using Edge.Gateway.Diagnostics;
using Edge.Gateway.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Diagnostics;

public sealed class DatabasesCheckTests : IDisposable
{
    private readonly FakeTree _data = new();

    [Fact]
    public void Fresh_data_dir_is_ok_and_says_the_files_come_at_first_start()
    {
        DiagCheck check = SystemChecks.Databases(_data.Root);

        Assert.Equal("databases", check.Name);
        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains("first start", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Journal_and_outbox_sizes_are_reported_with_their_logs()
    {
        _data.File(GatewayDatabase.FileName, new string('x', 3 * 1024));
        _data.File("gateway-log.db", new string('x', 1024));
        _data.File(CloudRegistration.OutboxFile, new string('x', 2048));

        DiagCheck check = SystemChecks.Databases(_data.Root);

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Equal("gateway.db 3 KiB (+log 1 KiB), outbox.db 2 KiB", check.Detail);
    }

    [Fact]
    public void Copies_the_gateway_quarantined_are_named_in_a_warning()
    {
        // Let GatewayDatabase itself quarantine an empty journal, so the naming tested is the real one.
        _data.File(GatewayDatabase.FileName);
        using (GatewayDatabase.Open(_data.Root, new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 6, 0, 0, TimeSpan.Zero))))
        {
        }

        _data.File(CloudRegistration.OutboxFile + ".corrupt-20261130T230000Z", "junk");
        _data.File(CloudRegistration.OutboxFile + "-log.corrupt-20261130T230000Z", "junk");

        DiagCheck check = SystemChecks.Databases(_data.Root);

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("gateway.db.corrupt-20261201T060000Z", check.Detail, StringComparison.Ordinal);
        Assert.Contains("outbox.db.corrupt-20261130T230000Z", check.Detail, StringComparison.Ordinal);
        Assert.Contains("outbox.db-log.corrupt-20261130T230000Z", check.Detail, StringComparison.Ordinal);
        Assert.Equal(3, Assert.IsType<List<Dictionary<string, object?>>>(check.Data!["quarantined"]).Count);
    }

    [Fact]
    public void Empty_database_warns_that_it_will_be_moved_aside()
    {
        _data.File(GatewayDatabase.FileName);

        DiagCheck check = SystemChecks.Databases(_data.Root);

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("gateway.db is empty", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_in_place_of_the_database_fails()
    {
        _data.Unreadable(CloudRegistration.OutboxFile);

        DiagCheck check = SystemChecks.Databases(_data.Root);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("is a directory", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_data_dir_skips_and_points_at_the_disk_check()
    {
        DiagCheck check = SystemChecks.Databases(_data["nope"]);

        Assert.Equal(CheckStatus.Skip, check.Status);
        Assert.Contains("see disk", check.Detail, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Dispose();
}
