namespace Edge.Gateway.Hosting;

/// <summary>Process exit codes, documented in the README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int InvalidConfiguration = 2;
    public const int CannotListen = 3;
    public const int ServiceFailed = 4;

    /// <summary>A technician's command was refused or a check failed (a calibration off by more than allowed, a failed connection); nothing changed.</summary>
    public const int Refused = 5;

    /// <summary>What the command needs cannot be reached: the running gateway's admin API, or a gateway that is not running.</summary>
    public const int Unavailable = 6;
}
