using System.Device.Gpio;
using GateKiosk.Contracts;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Gpio;

namespace GateKiosk.Devices.Tests.Gpio;

public sealed class DoorTimelineTests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Start_EveryOutputSafe_RelayOnlyEverAtRest()
    {
        using var rig = new DoorRig();

        Assert.NotEmpty(rig.Driver.WritesTo(rig.Gpio.RelayPin));
        Assert.All(rig.Driver.WritesTo(rig.Gpio.RelayPin), w => Assert.Equal(rig.RelayInactive, w.Value));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.GreenLedPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.RedLedPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.BuzzerPin));
        Assert.Empty(rig.Journal.All);
        Assert.Equal("closed", rig.Monitor.State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Signal_Allow_ExactlyOnePulseOfConfiguredLengthOnActiveLevel(bool activeLow)
    {
        var gpio = new GpioOptions { Driver = GpioDriverKind.Simulated, RelayActiveLow = activeLow, RelayPulse = TimeSpan.FromMilliseconds(2500) };
        using var rig = new DoorRig(gpio);
        var before = rig.Driver.WritesTo(gpio.RelayPin).Count;

        rig.Signal.Signal(DoorRig.Allow);
        rig.Time.Advance(TimeSpan.FromMilliseconds(2499));
        Assert.Equal(rig.RelayActive, rig.Driver.Level(gpio.RelayPin));
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));
        rig.Time.Advance(TimeSpan.FromMinutes(1));

        var pulse = rig.Driver.WritesTo(gpio.RelayPin).Skip(before).ToList();
        Assert.Equal(2, pulse.Count);
        Assert.Equal((rig.RelayActive, DoorRig.Start), (pulse[0].Value, pulse[0].At));
        Assert.Equal((rig.RelayInactive, DoorRig.Start + gpio.RelayPulse), (pulse[1].Value, pulse[1].At));
    }

    [Fact]
    public void Signal_DenyDuringAndOutsidePulse_NeverWritesRelay()
    {
        using var rig = new DoorRig();
        var before = rig.Driver.WritesTo(rig.Gpio.RelayPin).Count;

        rig.Signal.Signal(GateDecision.Deny(ReasonCodes.Revoked));
        rig.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(before, rig.Driver.WritesTo(rig.Gpio.RelayPin).Count);
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.RedLedPin));
        Assert.Contains(rig.Driver.WritesTo(rig.Gpio.BuzzerPin), w => w.Value == PinValue.High);
    }

    [Fact]
    public void Signal_AllowAndDenyBeeps_AreDistinct()
    {
        using var rig = new DoorRig();
        rig.Signal.Signal(DoorRig.Allow);
        AdvanceInSteps(rig, TimeSpan.FromSeconds(5));
        var allow = OnTimes(rig.Driver.WritesTo(rig.Gpio.BuzzerPin));
        var mark = rig.Driver.WritesTo(rig.Gpio.BuzzerPin).Count;

        rig.Signal.Signal(GateDecision.Deny(ReasonCodes.Expired));
        AdvanceInSteps(rig, TimeSpan.FromSeconds(5));
        var deny = OnTimes(rig.Driver.WritesTo(rig.Gpio.BuzzerPin).Skip(mark).ToList());

        Assert.Equal([TimeSpan.FromMilliseconds(120)], allow);
        Assert.Equal([TimeSpan.FromMilliseconds(700), TimeSpan.FromMilliseconds(200)], deny);
    }

    [Fact]
    public void DoorOpenedDuringGrant_HeldOpenAlarmAtConfiguredTime()
    {
        using var rig = new DoorRig();
        rig.Signal.Signal(DoorRig.Allow);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        rig.OpenDoor();
        rig.Time.Advance(Debounce);
        var openedAt = DoorRig.Start + TimeSpan.FromSeconds(1) + Debounce;

        rig.Time.Advance(rig.Door.HeldOpenAfter - TimeSpan.FromMilliseconds(1));
        Assert.Equal([EventTypes.DoorOpened], rig.Events.Select(e => e.Type));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.BuzzerPin));
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([EventTypes.DoorOpened, EventTypes.DoorHeldOpen], rig.Events.Select(e => e.Type));
        Assert.Equal(openedAt, rig.Events[0].OccurredAt);
        Assert.Equal(openedAt + rig.Door.HeldOpenAfter, rig.Events[1].OccurredAt);
        Assert.Equal(PinValue.High, rig.Driver.Level(rig.Gpio.BuzzerPin));
        Assert.Equal(openedAt + rig.Door.HeldOpenAfter, rig.Driver.WritesTo(rig.Gpio.BuzzerPin)[^1].At);
        Assert.Equal("held-open", rig.Monitor.State);

        rig.CloseDoor();
        rig.Time.Advance(Debounce);
        Assert.Equal(EventTypes.DoorClosed, rig.Events[^1].Type);
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.BuzzerPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.RedLedPin));
    }

    [Fact]
    public void Signal_StaleGrantTimerRunsAfterNewGrant_RelayHeldForWholeNewPulse()
    {
        using var rig = new DoorRig();
        var before = rig.Driver.WritesTo(rig.Gpio.RelayPin).Count;
        rig.Signal.Signal(DoorRig.Allow);
        var firstGrantEnd = rig.Timers.Armed.Single(t => t.DueTime == rig.Gpio.RelayPulse);

        // A scan right at the end of the pulse: the first timer's callback is already queued when the new grant re-arms.
        rig.Time.Advance(rig.Gpio.RelayPulse - TimeSpan.FromMilliseconds(1));
        rig.Signal.Signal(DoorRig.Allow);
        var secondGrantAt = rig.Time.GetUtcNow();
        firstGrantEnd.RunLate();

        Assert.Equal(rig.RelayActive, rig.Driver.Level(rig.Gpio.RelayPin));
        Assert.True(rig.Signal.IsGranting);
        rig.Time.Advance(rig.Gpio.RelayPulse - TimeSpan.FromMilliseconds(1));
        Assert.Equal(rig.RelayActive, rig.Driver.Level(rig.Gpio.RelayPin));
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));

        var relay = rig.Driver.WritesTo(rig.Gpio.RelayPin).Skip(before).ToList();
        Assert.Equal([(rig.RelayActive, DoorRig.Start), (rig.RelayInactive, secondGrantAt + rig.Gpio.RelayPulse)], relay.Select(w => (w.Value, w.At)));
    }

    [Fact]
    public void DoorMonitor_StaleHeldOpenTimerRunsAfterDoorReopened_AlarmOnlyAtConfiguredTime()
    {
        using var rig = new DoorRig();
        rig.Signal.Signal(DoorRig.Allow);
        rig.OpenDoor();
        rig.Time.Advance(Debounce);
        var firstHeldOpen = rig.Timers.Armed.Single(t => t.DueTime == rig.Door.HeldOpenAfter);
        rig.Time.Advance(TimeSpan.FromSeconds(5));
        rig.CloseDoor();
        rig.Time.Advance(Debounce);

        // The next person goes through; the first held-open callback, queued before the door closed, runs late.
        rig.Signal.Signal(DoorRig.Allow);
        rig.OpenDoor();
        rig.Time.Advance(Debounce);
        var reopenedAt = rig.Time.GetUtcNow();
        firstHeldOpen.RunLate();

        Assert.DoesNotContain(EventTypes.DoorHeldOpen, rig.Events.Select(e => e.Type));
        Assert.Equal("open", rig.Monitor.State);
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.RedLedPin));
        rig.Time.Advance(rig.Door.HeldOpenAfter - TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain(EventTypes.DoorHeldOpen, rig.Events.Select(e => e.Type));
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(reopenedAt + rig.Door.HeldOpenAfter, rig.Events.Single(e => e.Type == EventTypes.DoorHeldOpen).OccurredAt);
        Assert.Equal("held-open", rig.Monitor.State);
    }

    [Fact]
    public void DoorOpenedWithoutGrant_ForcedAlarmAfterDebounce_ClearsWhenClosed()
    {
        using var rig = new DoorRig();
        var relayWrites = rig.Driver.WritesTo(rig.Gpio.RelayPin).Count;
        rig.Time.Advance(TimeSpan.FromSeconds(10));

        rig.OpenDoor();
        rig.Time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Empty(rig.Events);
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));

        var forcedAt = DoorRig.Start + TimeSpan.FromSeconds(10) + Debounce;
        Assert.Equal([EventTypes.DoorOpened, EventTypes.DoorForced], rig.Events.Select(e => e.Type));
        Assert.All(rig.Events, e => Assert.Equal(forcedAt, e.OccurredAt));
        Assert.Equal(PinValue.High, rig.Driver.Level(rig.Gpio.BuzzerPin));
        Assert.Equal(PinValue.High, rig.Driver.Level(rig.Gpio.RedLedPin));
        Assert.Equal("forced", rig.Monitor.State);

        rig.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(2, rig.Events.Count);
        rig.CloseDoor();
        rig.Time.Advance(Debounce);

        Assert.Equal(EventTypes.DoorClosed, rig.Events[^1].Type);
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.BuzzerPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.RedLedPin));
        Assert.Equal(relayWrites, rig.Driver.WritesTo(rig.Gpio.RelayPin).Count);
    }

    [Fact]
    public void DoorContact_BounceShorterThanDebounce_NoEvent()
    {
        using var rig = new DoorRig();

        rig.OpenDoor();
        rig.Time.Advance(TimeSpan.FromMilliseconds(20));
        rig.CloseDoor();
        rig.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(rig.Events);
    }

    [Fact]
    public void ExitButton_Pressed_JournalsBeforeRelay_AndHoldsWhilePressed()
    {
        using var rig = new DoorRig();
        var journaledAtRelayOn = -1;
        rig.Driver.PinWritten += (pin, value) =>
        {
            if (pin == rig.Gpio.RelayPin && value == rig.RelayActive)
            {
                journaledAtRelayOn = rig.Journal.All.Count;
            }
        };

        rig.PressExit();
        rig.Time.Advance(Debounce);
        var exit = Assert.Single(rig.Events);
        Assert.Equal((EventTypes.ExitRequest, Decisions.Allow, ReasonCodes.ExitButton, "out"), (exit.Type, exit.Decision, exit.Reason, exit.Direction));
        Assert.Equal(1, journaledAtRelayOn);

        rig.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(rig.RelayActive, rig.Driver.Level(rig.Gpio.RelayPin));
        rig.ReleaseExit();
        rig.Time.Advance(Debounce);

        Assert.Equal(rig.RelayInactive, rig.Driver.Level(rig.Gpio.RelayPin));
        var relay = rig.Driver.WritesTo(rig.Gpio.RelayPin).Where(w => w.At > DoorRig.Start).ToList();
        Assert.Equal(2, relay.Count);
        Assert.Equal(DoorRig.Start + Debounce + TimeSpan.FromSeconds(10) + Debounce, relay[1].At);
    }

    [Fact]
    public void Dispose_DuringAlarmAndPulse_LeavesEveryOutputSafe_AndNothingAfter()
    {
        var rig = new DoorRig();
        rig.OpenDoor();
        rig.Time.Advance(Debounce);
        rig.Signal.Signal(DoorRig.Allow);
        rig.Time.Advance(TimeSpan.FromMilliseconds(300));

        rig.Dispose();
        var writes = rig.Driver.Writes.Count;
        rig.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(rig.RelayInactive, rig.Driver.Level(rig.Gpio.RelayPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.GreenLedPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.RedLedPin));
        Assert.Equal(PinValue.Low, rig.Driver.Level(rig.Gpio.BuzzerPin));
        Assert.Equal(writes, rig.Driver.Writes.Count);
    }

    [Fact]
    public void FailSafeLock_RestIsEnergised_AllowReleasesForPulse_DisposeDeEnergises()
    {
        var rig = new DoorRig(door: new DoorOptions { LockType = LockType.FailSafe });
        var relay = rig.Gpio.RelayPin;
        Assert.Equal([rig.RelayInactive, rig.RelayActive], rig.Driver.WritesTo(relay).Select(w => w.Value));

        rig.Signal.Signal(DoorRig.Allow);
        Assert.Equal(rig.RelayInactive, rig.Driver.Level(relay));
        rig.Time.Advance(rig.Gpio.RelayPulse);
        Assert.Equal(rig.RelayActive, rig.Driver.Level(relay));
        rig.Signal.Signal(GateDecision.Deny(ReasonCodes.Expired));
        Assert.Equal(rig.RelayActive, rig.Driver.Level(relay));

        rig.Dispose();
        Assert.Equal(rig.RelayInactive, rig.Driver.Level(relay));
    }

    /// <summary>FakeTimeProvider fires due timers with the clock at the end of an advance; 10 ms steps keep the timestamps exact.</summary>
    private static void AdvanceInSteps(DoorRig rig, TimeSpan total)
    {
        for (var t = TimeSpan.Zero; t < total; t += TimeSpan.FromMilliseconds(10))
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    private static List<TimeSpan> OnTimes(IReadOnlyList<Testing.PinWrite> writes)
    {
        var result = new List<TimeSpan>();
        DateTimeOffset? on = null;
        foreach (var w in writes)
        {
            if (w.Value == PinValue.High && on is null)
            {
                on = w.At;
            }
            else if (w.Value == PinValue.Low && on is not null)
            {
                result.Add(w.At - on.Value);
                on = null;
            }
        }

        return result;
    }
}
