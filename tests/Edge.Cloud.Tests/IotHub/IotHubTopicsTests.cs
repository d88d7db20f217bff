using Edge.Cloud.IotHub;

namespace Edge.Cloud.Tests.IotHub;

/// <summary>Parsing rules from Microsoft's MQTT docs and the cases in Azure/azure-sdk-for-c's topic parser tests.</summary>
public class IotHubTopicsTests
{
    [Theory]
    [InlineData("$iothub/twin/res/200/?$rid=1", 200, "1", null)]
    [InlineData("$iothub/twin/res/204/?$rid=1&$version=6", 204, "1", 6L)]
    [InlineData("$iothub/twin/res/204/?$version=6&$rid=abc", 204, "abc", 6L)]
    [InlineData("$iothub/twin/res/429/?$rid=7", 429, "7", null)]
    [InlineData("$iothub/twin/res/200/?%24rid=9", 200, "9", null)]
    public void TwinResponse_IsParsed_InAnyQueryOrder(string topic, int status, string rid, long? version)
    {
        Assert.Equal((status, rid, version), IotHubTopics.ParseTwinResponse(topic));
    }

    [Theory]
    [InlineData("$iothub/twin/rez/200/?$rid=1")]
    [InlineData("$iothub/twin/res/200/?$version=1")]
    [InlineData("$iothub/twin/res/abc/?$rid=1")]
    [InlineData("$iothub/twin/res/200")]
    public void NotATwinResponse_IsNull(string topic)
    {
        Assert.Null(IotHubTopics.ParseTwinResponse(topic));
    }

    [Fact]
    public void MethodName_AndRid_AreUrlDecoded()
    {
        Assert.Equal(("fake$method", "a b"), IotHubTopics.ParseMethod("$iothub/methods/POST/fake%24method/?$rid=a%20b"));
        Assert.Null(IotHubTopics.ParseMethod("$iothub/methods/POST/tare"));
    }

    [Fact]
    public void DesiredPatch_GivesItsVersion()
    {
        Assert.Equal(12, IotHubTopics.ParseDesiredPatch("$iothub/twin/PATCH/properties/desired/?$version=12"));
        Assert.Null(IotHubTopics.ParseDesiredPatch("$iothub/twin/res/200/?$rid=1"));
    }

    [Theory]
    [InlineData("$dps/registrations/res/202/?$rid=1&retry-after=3", 202, "1", 3)]
    [InlineData("$dps/registrations/res/202/?Retry-After=5&$rid=2", 202, "2", 5)]
    [InlineData("$dps/registrations/res/200/?$rid=3", 200, "3", null)]
    public void DpsResponse_RetryAfterIsCaseInsensitive_AndMayComeFirst(string topic, int status, string rid, int? retry)
    {
        Assert.Equal((status, rid, retry), IotHubTopics.ParseDpsResponse(topic));
    }

    [Fact]
    public void PropertyBag_FollowsTheDocumentedEncoding()
    {
        Dictionary<string, string?> bag = IotHubTopics.ParseBag("%24.mid=m%2B1&$.ct=application%2Fjson&nullkey&empty=&plus=a+b&type=x%20y/");

        Assert.Equal("m+1", bag["$.mid"]);
        Assert.Equal("application/json", bag["$.ct"]);
        Assert.Null(bag["nullkey"]);
        Assert.Equal("", bag["empty"]);
        Assert.Equal("a+b", bag["plus"]); // '+' is not a space
        Assert.Equal("x y", bag["type"]); // trailing '/' tolerated
    }

    [Fact]
    public void Telemetry_FormatsSystemPropertiesWithALiteralDollar_AndEncodesValues()
    {
        string topic = IotHubTopics.Telemetry("dev1", [new("$.mid", "a/b"), new("$.ct", "application/json"), new("type", "Items Removed"), new("flag", null)]);

        Assert.Equal("devices/dev1/messages/events/$.mid=a%2Fb&$.ct=application%2Fjson&type=Items%20Removed&flag", topic);
    }

    [Fact]
    public void ConnectUserNames_FollowTheDocs()
    {
        Assert.Equal("contoso.azure-devices.net/MyDevice01/?api-version=2021-04-12", IotHubTopics.UserName("contoso.azure-devices.net", "MyDevice01"));
        Assert.Equal("0ne00000A0A/registrations/reg-1/api-version=2019-03-31", IotHubTopics.DpsUserName("0ne00000A0A", "reg-1"));
    }
}
