namespace Edge.Gateway.Hosting;

/// <summary>Process exit codes, documented in the README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int InvalidConfiguration = 2;
    public const int CannotListen = 3;
    public const int ServiceFailed = 4;
}
