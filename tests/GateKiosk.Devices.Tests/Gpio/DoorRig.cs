using System.Device.Gpio;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Display;
using GateKiosk.Devices.Gpio;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Devices.Tests.Gpio;

/// <summary>The whole door on a fake driver behind a real controller: signal, inputs, monitor, pipeline and a fake journal.</summary>
internal sealed class DoorRig : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    public DoorRig(GpioOptions? gpio = null, DoorOptions? door = null, IBuzzer? buzzer = null, IGateDisplay? display = null)
    {
        Gpio = gpio ?? new GpioOptions { Driver = GpioDriverKind.Simulated, RelayPulse = TimeSpan.FromSeconds(3), DenyIndication = TimeSpan.FromSeconds(1) };
        Door = door ?? new DoorOptions { HeldOpenAfter = TimeSpan.FromSeconds(30) };
        Driver = new FakeGpioDriver(Time);
        Driver.SetInput(Gpio.DoorContactPin, Gpio.DoorOpenWhenHigh ? PinValue.Low : PinValue.High); // door closed
        Controller = new GpioController(Driver);
        Timers = new TimerCapturingTimeProvider(Time);
        Signal = new GpioGateSignal(Controller, Gpio, Door, Timers, shouldDispose: false, buzzer, display);
        Sensor = new GpioDoorSensor(Controller, Gpio, Door, Timers);
        var kiosk = Options.Create(new KioskOptions { SiteId = "site-1", KioskId = "gate-1" });
        Pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(new BadgeOptions()))]),
            new AccessDecider(kiosk),
            Journal,
            Signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            Time,
            NullLogger<GatePipeline>.Instance);
        Monitor = new DoorMonitor(Sensor, Signal, Pipeline, Options.Create(Door), Timers, NullLogger<DoorMonitor>.Instance);
        Monitor.Start();
    }

    public FakeTimeProvider Time { get; } = new(Start);

    /// <summary>The same time, keeping every timer callback the door armed (to run a stale one late).</summary>
    public TimerCapturingTimeProvider Timers { get; }

    public GpioOptions Gpio { get; }

    public DoorOptions Door { get; }

    public FakeGpioDriver Driver { get; }

    public GpioController Controller { get; }

    public GpioGateSignal Signal { get; }

    public GpioDoorSensor Sensor { get; }

    public FakeEntryJournal Journal { get; } = new();

    public GatePipeline Pipeline { get; }

    public DoorMonitor Monitor { get; }

    public static GateDecision Allow => new(Decisions.Allow, ReasonCodes.Valid, null);

    public PinValue RelayActive => Gpio.RelayActiveLow ? PinValue.Low : PinValue.High;

    public PinValue RelayInactive => Gpio.RelayActiveLow ? PinValue.High : PinValue.Low;

    public void OpenDoor() => Driver.SetInput(Gpio.DoorContactPin, Gpio.DoorOpenWhenHigh ? PinValue.High : PinValue.Low);

    public void CloseDoor() => Driver.SetInput(Gpio.DoorContactPin, Gpio.DoorOpenWhenHigh ? PinValue.Low : PinValue.High);

    public void PressExit() => Driver.SetInput(Gpio.ExitButtonPin, Gpio.ExitPressedWhenLow ? PinValue.Low : PinValue.High);

    public void ReleaseExit() => Driver.SetInput(Gpio.ExitButtonPin, Gpio.ExitPressedWhenLow ? PinValue.High : PinValue.Low);

    /// <summary>The journaled events as the wire sees them.</summary>
    public IReadOnlyList<EntryEvent> Events => [.. Journal.All.Select(e => System.Text.Json.JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!)];

    public void Dispose()
    {
        Monitor.Dispose();
        Sensor.Dispose();
        Signal.Dispose();
        Controller.Dispose();
    }
}
