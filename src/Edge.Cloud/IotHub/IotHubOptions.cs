namespace Edge.Cloud.IotHub;

/// <summary>Section <c>Cloud:IotHub</c>: Azure IoT Hub, directly or through the Device Provisioning Service.</summary>
public sealed class IotHubOptions
{
    /// <summary>Hub host name, e.g. <c>contoso.azure-devices.net</c>. Empty when DPS assigns it.</summary>
    public string? HostName { get; set; }

    /// <summary>Device id. Empty when DPS assigns it.</summary>
    public string? DeviceId { get; set; }

    /// <summary>The device's symmetric key (base64). Never logged.</summary>
    public string? DeviceKey { get; set; }

    /// <summary>PEM client certificate for X.509 authentication (instead of a key).</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Lifetime of each SAS token; the link reconnects with a fresh one before it ends.</summary>
    public int SasTtlMinutes { get; set; } = 60;

    /// <summary>Reconnect this long before the token expires.</summary>
    public int RenewBeforeSeconds { get; set; } = 300;

    /// <summary>MQTT TLS port (8883 on Azure; tests use another).</summary>
    public int Port { get; set; } = 8883;

    /// <summary>PEM CA to trust instead of the system store (tests, private deployments).</summary>
    public string? CaFile { get; set; }

    /// <summary>MQTT keep-alive in seconds (IoT Hub allows up to 1177).</summary>
    public int KeepAliveSeconds { get; set; } = 120;

    /// <summary>DPS id scope; set it to provision through DPS.</summary>
    public string? DpsIdScope { get; set; }

    /// <summary>DPS MQTT TLS port.</summary>
    public int DpsPort { get; set; } = 8883;

    /// <summary>DPS host.</summary>
    public string DpsHost { get; set; } = "global.azure-devices-provisioning.net";

    /// <summary>DPS registration id (lower case; see the README).</summary>
    public string? DpsRegistrationId { get; set; }

    /// <summary>Individual enrollment key (base64), used as is.</summary>
    public string? DpsEnrollmentKey { get; set; }

    /// <summary>Group enrollment key (base64): the device key is derived from it and the registration id.</summary>
    public string? DpsGroupKey { get; set; }

    /// <summary>True when the gateway provisions through DPS.</summary>
    public bool UsesDps => !string.IsNullOrWhiteSpace(DpsIdScope);

    /// <summary>Names the first invalid setting, or null. Never echoes key material.</summary>
    public string? Problem()
    {
        if (UsesDps)
        {
            if (string.IsNullOrWhiteSpace(DpsRegistrationId))
            {
                return "Cloud:IotHub:DpsRegistrationId is required with DpsIdScope";
            }

            if (string.IsNullOrWhiteSpace(DpsEnrollmentKey) == string.IsNullOrWhiteSpace(DpsGroupKey))
            {
                return "Cloud:IotHub: set exactly one of DpsEnrollmentKey and DpsGroupKey";
            }

            if (!SasToken.IsBase64Key(DpsEnrollmentKey ?? DpsGroupKey!))
            {
                return $"Cloud:IotHub:{(DpsEnrollmentKey is null ? "DpsGroupKey" : "DpsEnrollmentKey")} is not valid base64";
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(HostName) || string.IsNullOrWhiteSpace(DeviceId))
            {
                return "Cloud:IotHub:HostName and Cloud:IotHub:DeviceId are required (or DpsIdScope for provisioning)";
            }

            bool key = !string.IsNullOrWhiteSpace(DeviceKey);
            bool cert = !string.IsNullOrWhiteSpace(CertFile);
            if (key == cert)
            {
                return "Cloud:IotHub: set exactly one of DeviceKey and CertFile";
            }

            if (key && !SasToken.IsBase64Key(DeviceKey!))
            {
                return "Cloud:IotHub:DeviceKey is not valid base64";
            }

            if (cert && (string.IsNullOrWhiteSpace(KeyFile) || !File.Exists(CertFile) || !File.Exists(KeyFile)))
            {
                return "Cloud:IotHub:CertFile and Cloud:IotHub:KeyFile must both name existing PEM files";
            }
        }

        if (SasTtlMinutes < 5 || RenewBeforeSeconds < 10 || RenewBeforeSeconds >= SasTtlMinutes * 60)
        {
            return "Cloud:IotHub: SasTtlMinutes must be >= 5 and RenewBeforeSeconds from 10 to below the TTL";
        }

        if (KeepAliveSeconds is < 30 or > 1177)
        {
            return "Cloud:IotHub:KeepAliveSeconds must be from 30 to 1177";
        }

        return Port is < 1 or > 65535 ? "Cloud:IotHub:Port must be from 1 to 65535" : null;
    }
}
