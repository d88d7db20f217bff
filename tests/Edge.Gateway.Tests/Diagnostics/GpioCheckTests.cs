using Edge.Gateway.Diagnostics;

namespace Edge.Gateway.Tests.Diagnostics;

public sealed class GpioCheckTests : IDisposable
{
    private readonly FakeTree _dev = new();
    private readonly FakeTree _sys = new();

    private static GpioProbe Probe(Exception? openError = null, string? libgpiod = "libgpiod.so.2", string? group = "gpio") =>
        new(_ => openError, () => libgpiod, _ => group);

    private DiagCheck Run(GpioProbe probe) => SystemChecks.Gpio(_dev.Root, _sys.Root, probe);

    [Fact]
    public void No_chip_skips_because_the_gateway_simulates_the_store()
    {
        DiagCheck check = Run(Probe());

        Assert.Equal("gpio", check.Name);
        Assert.Equal(CheckStatus.Skip, check.Status);
        Assert.Contains("no GPIO chip", check.Detail, StringComparison.Ordinal);
        Assert.Contains("simulates the store", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Chip_with_libgpiod_and_access_is_ok_and_names_the_label()
    {
        _dev.File("gpiochip0");
        _dev.File("gpiomem");
        _sys.File("bus/gpio/devices/gpiochip0/label", "pinctrl-bcm2711\n");

        DiagCheck check = Run(Probe());

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains("gpiochip0 (pinctrl-bcm2711)", check.Detail, StringComparison.Ordinal);
        Assert.Contains("libgpiod.so.2 loads", check.Detail, StringComparison.Ordinal);
        Assert.Contains("/dev/gpiomem present", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_is_found_through_the_legacy_class_entry_whose_device_points_at_the_chip()
    {
        _dev.File("gpiochip0");
        string target = _sys.Dir("devices/platform/gpio/gpiochip0");
        _sys.File("class/gpio/gpiochip512/label", "pinctrl-bcm2835");
        Directory.CreateSymbolicLink(_sys["class/gpio/gpiochip512/device"], target);

        DiagCheck check = Run(Probe());

        Assert.Contains("gpiochip0 (pinctrl-bcm2835)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_or_unreadable_label_is_not_a_fault()
    {
        _dev.File("gpiochip0");
        _dev.File("gpiochip1");
        _sys.Unreadable("class/gpio/gpiochip1/label");

        DiagCheck check = Run(Probe());

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.StartsWith("gpiochip0, gpiochip1;", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Chips_sort_by_number()
    {
        _dev.File("gpiochip10");
        _dev.File("gpiochip2");

        DiagCheck check = Run(Probe());

        Assert.StartsWith("gpiochip2, gpiochip10;", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Permission_denied_fails_naming_the_group_and_the_fix()
    {
        _dev.File("gpiochip0");

        DiagCheck check = Run(Probe(openError: new UnauthorizedAccessException("Access to the path is denied."), group: "gpio"));

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("permission denied", check.Detail, StringComparison.Ordinal);
        Assert.Contains("'gpio' group", check.Detail, StringComparison.Ordinal);
        Assert.Contains("usermod -aG gpio", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Permission_denied_with_an_unknown_owner_still_suggests_gpio()
    {
        _dev.File("gpiochip0");

        DiagCheck check = Run(Probe(openError: new UnauthorizedAccessException("denied"), group: null));

        Assert.Contains("'gpio' group", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Chip_without_libgpiod_fails_with_the_apt_package()
    {
        _dev.File("gpiochip0");

        DiagCheck check = Run(Probe(libgpiod: null));

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("apt install libgpiod2", check.Detail, StringComparison.Ordinal);
        Assert.Contains("every shelf", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpiochip4", "older kernel numbering")]
    [InlineData("gpiochip0", "current kernel numbering")]
    public void Pi5_header_chip_is_noted_with_its_numbering(string chip, string expected)
    {
        _dev.File(chip);
        _sys.File($"bus/gpio/devices/{chip}/label", "pinctrl-rp1");

        DiagCheck check = Run(Probe());

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Contains($"Pi 5 header is {chip}", check.Detail, StringComparison.Ordinal);
        Assert.Contains(expected, check.Detail, StringComparison.Ordinal);
        Assert.Equal(chip, check.Data!["headerChip"]);
    }

    [Fact]
    public void Real_probe_opens_a_fake_chip_file_and_answers_without_throwing()
    {
        // A regular file opens read/write; whatever this machine's libgpiod, the check returns.
        _dev.File("gpiochip0");

        DiagCheck check = SystemChecks.Gpio(_dev.Root, _sys.Root);

        Assert.Contains(check.Status, new[] { CheckStatus.Ok, CheckStatus.Fail });
        Assert.DoesNotContain("permission denied", check.Detail, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _dev.Dispose();
        _sys.Dispose();
    }
}
