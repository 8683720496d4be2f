using GateKiosk.Devices.Scanning;

namespace GateKiosk.Devices.Tests.Scanning;

public sealed class ScannerOptionsValidatorTests
{
    [Theory]
    [InlineData(ScannerKind.Stdin)]
    [InlineData(ScannerKind.V4l2)]
    [InlineData(ScannerKind.RpiCam)]
    public void Validate_Defaults_Succeed(ScannerKind source)
    {
        var result = new ScannerOptionsValidator().Validate(null, new ScannerOptions { Source = source });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(ScannerKind.Evdev)]
    [InlineData(ScannerKind.Serial)]
    [InlineData(ScannerKind.File)]
    public void Validate_DeviceSourceWithoutPath_NamesPathKey(ScannerKind source)
    {
        var result = new ScannerOptionsValidator().Validate(null, new ScannerOptions { Source = source });

        Assert.Contains($"Scanner:Path is required when Scanner:Source is {source}.", result.Failures!);
    }

    [Fact]
    public void Validate_NonStandardBaud_NamesBaudKey()
    {
        var result = new ScannerOptionsValidator().Validate(null, new ScannerOptions { Source = ScannerKind.Serial, Path = "/dev/ttyACM0", Baud = 9601 });

        Assert.StartsWith("Scanner:Baud must be one of 1200, 2400", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0,0,700,480", "Scanner:RegionOfInterest")]
    [InlineData("a,b,c,d", "Scanner:RegionOfInterest")]
    public void Validate_BadRegionOfInterest_NamesKey(string roi, string key)
    {
        var result = new ScannerOptionsValidator().Validate(null, new ScannerOptions { Source = ScannerKind.V4l2, RegionOfInterest = roi });

        Assert.StartsWith(key + " must be", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadCharacterClassAndTiming_NamesEachKey()
    {
        var options = new ScannerOptions
        {
            Source = ScannerKind.Evdev,
            Path = "/dev/input/by-id/usb-scanner-event-kbd",
            AllowedCharacters = "z-a",
            KeyGap = TimeSpan.FromMilliseconds(50),
            MaxMeanKeyInterval = TimeSpan.FromMilliseconds(80),
            HoldOff = TimeSpan.FromMinutes(5),
        };

        var failures = new ScannerOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Scanner:AllowedCharacters must", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Scanner:MaxMeanKeyInterval must", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Scanner:HoldOff must", StringComparison.Ordinal));
    }
}
