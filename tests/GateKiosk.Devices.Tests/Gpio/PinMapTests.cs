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
    }
}
