using Edge.Cloud.IotHub;

namespace Edge.Cloud.Tests.IotHub;

public class SasTokenTests
{
    [Fact]
    public void DeriveDeviceKey_MatchesThePublishedDpsExample()
    {
        // Microsoft Learn, "Derive a device key" (articles/iot-dps/how-to-legacy-device-symm-key.md).
        string derived = SasToken.DeriveDeviceKey(
            "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==",
            "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6");

        Assert.Equal("Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=", derived);
    }

    [Fact]
    public void Sign_MatchesTheJavaSdkSignatureVector()
    {
        // Azure/azure-iot-sdk-java, iot-e2e-tests SignatureIT.signatureIsCorrect: key base64("someKey"), expiry
        // 1462333672, resource signed as given; the test's expected value is base64 of the URL-encoded signature.
        string sig = SasToken.Sign("sdktesthub.private.azure-devices-int.net/devices/test8", Convert.ToBase64String("someKey"u8), 1462333672);

        string expected = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String("bXVROU55OUJZZXJ0b1VZJTJCdHlpc0lHMTZiNjdwOFFIckRlZlhBNFYxcUxNJTNE"));
        Assert.Equal(expected, Uri.EscapeDataString(sig));
    }

    [Fact]
    public void Create_EncodesTheResource_SignsExactlyWhatFollowsSr_AndAddsSknOnlyWhenGiven()
    {
        string key = Convert.ToBase64String("someKey"u8);

        string token = SasToken.Create("myhub.azure-devices.net/devices/dev 1", key, 1790000000);
        string withPolicy = SasToken.Create("myhub.azure-devices.net/devices/dev1", key, 1790000000, "iothubowner");

        const string sr = "myhub.azure-devices.net%2Fdevices%2Fdev%201";
        Assert.Equal($"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(SasToken.Sign(sr, key, 1790000000))}&se=1790000000", token);
        Assert.EndsWith("&se=1790000000&skn=iothubowner", withPolicy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("key")]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("YWJj=")]
    public void NonCanonicalBase64Keys_AreRejected(string key)
    {
        Assert.False(SasToken.IsBase64Key(key));
        Assert.Throws<FormatException>(() => SasToken.Create("h/devices/d", key, 1));
        Assert.Throws<FormatException>(() => SasToken.DeriveDeviceKey(key, "reg"));
    }
}
