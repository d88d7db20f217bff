using System.CommandLine;
using Edge.Cloud.IotHub;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary>Credential tools for field technicians: <c>iothub sas</c> and <c>dps derive-key</c>.</summary>
internal static class CloudCommands
{
    public static Command IotHub()
    {
        var resource = new Option<string>("--resource") { Description = "Resource URI, unencoded: <host>/devices/<deviceId>", Required = true };
        var key = new Option<string>("--key") { Description = "Symmetric key, base64", Required = true };
        var expiry = new Option<long>("--expiry") { Description = "Expiry, Unix seconds", Required = true };
        var keyName = new Option<string?>("--key-name") { Description = "Policy name (skn); omit for a device key" };
        var sas = new Command("sas", "Print an IoT Hub SAS token (alone, on stdout).") { resource, key, expiry, keyName };
        sas.SetAction(parse => Run(() => SasToken.Create(parse.GetValue(resource)!, parse.GetValue(key)!, parse.GetValue(expiry), parse.GetValue(keyName))));
        return new Command("iothub", "Azure IoT Hub tools.") { sas };
    }

    public static Command Dps()
    {
        var groupKey = new Option<string>("--group-key") { Description = "Enrollment group primary key, base64", Required = true };
        var registrationId = new Option<string>("--registration-id") { Description = "The device's registration id (use lower case)", Required = true };
        var derive = new Command("derive-key", "Print the device key derived from a DPS group enrollment key.") { groupKey, registrationId };
        derive.SetAction(parse => Run(() => SasToken.DeriveDeviceKey(parse.GetValue(groupKey)!, parse.GetValue(registrationId)!)));
        return new Command("dps", "Azure Device Provisioning Service tools.") { derive };
    }

    // One line on stdout, or one line on stderr and exit 1: technicians paste the output into other tools.
    private static int Run(Func<string> produce)
    {
        try
        {
            Console.Out.WriteLine(produce());
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.Usage;
        }
    }
}
