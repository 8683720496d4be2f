using System.Text.Json;
using GateKiosk.Devices.Gpio;
using GateKiosk.Testing;

namespace GateKiosk.Devices.Tests.Gpio;

public sealed class PinMapTests
{
    [Fact]
    public void Default_MatchesHardwarePinMapDocument()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "hardware", "pinmap.json")));
        var pins = doc.RootElement.GetProperty("pins");
        int Gpio(string name) => pins.GetProperty(name).GetProperty("gpio").GetInt32();

        var documented = new PinMap(Gpio("relay"), Gpio("greenLed"), Gpio("redLed"), Gpio("buzzer"), Gpio("doorContact"), Gpio("exitButton"));

        Assert.Equal(PinMap.Default, documented);
        var options = new GpioOptions();
        Assert.Equal((documented.Relay, documented.GreenLed, documented.RedLed), (options.RelayPin, options.GreenLedPin, options.RedLedPin));
        Assert.Equal((documented.Buzzer, documented.DoorContact, documented.ExitButton), (options.BuzzerPin, options.DoorContactPin, options.ExitButtonPin));
    }

    [Theory]
    [InlineData("relay", 17)]
    [InlineData("buzzer", 18)]
    [InlineData("door-contact", 23)]
    [InlineData("exit-button", 24)]
    [InlineData("display", 2)]
    public void HardwareFolder_DeviceReadme_NamesItsDefaultPin(string device, int gpio)
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "hardware", device, "README.md"));

        Assert.Contains($"GPIO {gpio} ", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void HardwareFolder_WiringDiagramAndPartsList_Exist()
    {
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.Root, "hardware", "wiring.svg"));

        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Contains("GPIO 17", svg.ToString(), StringComparison.Ordinal);
        Assert.Contains("flyback", File.ReadAllText(Path.Combine(RepoPaths.Root, "hardware", "README.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "hardware", "parts.md")));
    }
}
