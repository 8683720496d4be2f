using System.Device.Gpio;
using GateKiosk.Contracts;
using GateKiosk.Core.Deciding;
using GateKiosk.Devices.Gpio;
using GateKiosk.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Devices.Tests.Gpio;

public sealed class GpioGateSignalTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly GpioOptions _options = new() { Driver = GpioDriverKind.Simulated, RelayPulse = TimeSpan.FromSeconds(3), DenyIndication = TimeSpan.FromSeconds(1) };

    private (GpioGateSignal Signal, FakeGpioDriver Driver, GpioController Controller) Create()
    {
        var driver = new FakeGpioDriver(_time);
        var controller = new GpioController(driver);
        return (new GpioGateSignal(controller, Options.Create(_options), _time, shouldDispose: true), driver, controller);
    }

    private static GateDecision Allow => new(Decisions.Allow, ReasonCodes.Valid, null);

    [Fact]
    public void Construct_OpensOutputsAtInactiveLevel_RelayNeverActive()
    {
        var (signal, driver, controller) = Create();
        using var _ = signal;

        // Active-low relay: only High may ever have been written during start-up.
        Assert.All(driver.WritesTo(_options.RelayPin), w => Assert.Equal(PinValue.High, w.Value));
        Assert.NotEmpty(driver.WritesTo(_options.RelayPin));
        Assert.Equal(PinMode.Output, controller.GetPinMode(_options.RelayPin));
        Assert.Equal(PinValue.High, controller.Read(_options.RelayPin));
        Assert.Equal(PinValue.Low, controller.Read(_options.GreenLedPin));
        Assert.Equal(PinValue.Low, controller.Read(_options.RedLedPin));
    }

    [Fact]
    public void Signal_Allow_GivesExactlyOnePulseOfConfiguredLength()
    {
        var (signal, driver, _) = Create();
        using var _1 = signal;
        var before = driver.WritesTo(_options.RelayPin).Count;

        signal.Signal(Allow);
        _time.Advance(TimeSpan.FromSeconds(2.999));
        Assert.Equal(PinValue.Low, driver.Level(_options.RelayPin));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PinValue.High, driver.Level(_options.RelayPin));
        _time.Advance(TimeSpan.FromSeconds(10));

        var pulse = driver.WritesTo(_options.RelayPin).Skip(before).ToList();
        Assert.Equal(2, pulse.Count);
        Assert.Equal((PinValue.Low, Start), (pulse[0].Value, pulse[0].At));
        Assert.Equal(PinValue.High, pulse[1].Value);
        Assert.Equal(_options.RelayPulse, pulse[1].At - pulse[0].At);
        Assert.Equal(PinValue.Low, driver.Level(_options.GreenLedPin));
    }

    [Fact]
    public void Signal_Deny_NeverTouchesRelay_AndLightsRedForConfiguredTime()
    {
        var (signal, driver, _) = Create();
        using var _1 = signal;
        var relayWrites = driver.WritesTo(_options.RelayPin).Count;

        signal.Signal(GateDecision.Deny(ReasonCodes.NotEnrolled));
        Assert.Equal(PinValue.High, driver.Level(_options.RedLedPin));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(PinValue.Low, driver.Level(_options.RedLedPin));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(relayWrites, driver.WritesTo(_options.RelayPin).Count);
        var red = driver.WritesTo(_options.RedLedPin).Where(w => w.At >= Start).ToList();
        Assert.Equal(PinValue.Low, red[^1].Value);
        Assert.Equal(_options.DenyIndication, red[^1].At - red.First(w => w.Value == PinValue.High).At);
    }

    [Fact]
    public void Dispose_DuringPulse_LeavesOutputsSafe_AndTimerDoesNothingAfter()
    {
        var (signal, driver, _) = Create();
        signal.Signal(Allow);
        _time.Advance(TimeSpan.FromSeconds(1));

        signal.Dispose();
        var writes = driver.Writes.Count;
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(PinValue.High, driver.Level(_options.RelayPin));
        Assert.Equal(PinValue.Low, driver.Level(_options.GreenLedPin));
        Assert.Equal(PinValue.Low, driver.Level(_options.RedLedPin));
        Assert.Equal(writes, driver.Writes.Count);
    }

    [Fact]
    public void Validator_SamePinTwice_NamesBothKeys()
    {
        var result = new GpioOptionsValidator().Validate(null, new GpioOptions { GreenLedPin = 17 });

        Assert.True(result.Failed);
        Assert.Contains("Gpio:RelayPin and Gpio:GreenLedPin", result.FailureMessage, StringComparison.Ordinal);
    }
}
