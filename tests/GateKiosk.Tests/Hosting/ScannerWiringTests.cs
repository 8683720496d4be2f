using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Scanning.Camera;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GateKiosk.Tests.Hosting;

public sealed class ScannerWiringTests
{
    [Theory]
    [InlineData("Serial", "--Scanner:Path=/dev/ttyACM0", "serial:/dev/ttyACM0")]
    [InlineData("Evdev", "--Scanner:Path=/dev/input/by-id/usb-scanner-event-kbd", "evdev:/dev/input/by-id/usb-scanner-event-kbd")]
    [InlineData("V4l2", "--Scanner:Path=/dev/video2", "v4l2:/dev/video2")]
    [InlineData("RpiCam", "--Scanner:Width=1280", "rpicam:1280x480")]
    public void AddKiosk_ScannerSource_CreatesConfiguredReader(string kind, string key, string name)
    {
        using var host = Program.BuildKioskHost([$"--Scanner:Source={kind}", key, "--Scanner:Height=480"]);

        var source = host.Services.GetRequiredService<IScanSource>();
        var health = host.Services.GetRequiredService<IScannerHealth>();

        Assert.Equal(name, source.Name);
        Assert.Equal(name, health.Current.Source);
        Assert.Equal(kind is "V4l2" or "RpiCam", source is CameraScanSource);
    }

    [Fact]
    public void AddKiosk_BadBaud_FailsNamingTheKey()
    {
        using var host = Program.BuildKioskHost(["--Scanner:Source=Serial", "--Scanner:Path=/dev/ttyUSB0", "--Scanner:Baud=1234"]);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IScanSource>());

        Assert.Contains("Scanner:Baud must be one of", error.Message, StringComparison.Ordinal);
    }
}
