using Edge.Cloud.Transport;
using Edge.Gateway.Cloud;

namespace Edge.Gateway.Tests.Cloud;

public class RetailTopicsTests
{
    [Theory]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("")]
    public void StoreOrGatewayIdsThatAreNotOneTopicLevel_AreRejected(string id)
    {
        Assert.Throws<ArgumentException>(() => RetailTopics.For(id, "g1"));
        Assert.Throws<ArgumentException>(() => RetailTopics.For("s1", id));
    }

    [Fact]
    public void TheScheme_PutsTheGatewaysTopicsUnderStoreAndGateway_AndStoreDataUnderTheStore()
    {
        var topics = RetailTopics.For("store-001", "gw-01");

        Assert.Equal("retail/store-001/gw-01/events/ItemsRemoved", topics.Event("ItemsRemoved"));
        Assert.Equal((InboundKind.Command, "tare"), topics.Classify("retail/store-001/gw-01/commands/tare"));
        Assert.Equal((InboundKind.Data, "online-stock"), topics.Classify("retail/store-001/online-stock"));
        Assert.Null(topics.Classify("retail/store-002/promotions"));
        Assert.Contains("retail/store-001/reservations", topics.Subscriptions);
    }
}
