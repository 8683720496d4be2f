using System.Device.Gpio;
using GateKiosk.Devices.Simulated;

namespace GateKiosk.Testing;

/// <summary>A GPIO driver that records every write as (pin, level, time) for pin-level timeline assertions.</summary>
public sealed class FakeGpioDriver : SimulatedGpioDriver
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<PinWrite> _writes = [];

    public FakeGpioDriver(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Every write so far, in order.</summary>
    public IReadOnlyList<PinWrite> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>The writes to one pin.</summary>
    public IReadOnlyList<PinWrite> WritesTo(int pin) => [.. Writes.Where(w => w.Pin == pin)];

    protected override void OnWrite(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            _writes.Add(new PinWrite(pinNumber, value, _time.GetUtcNow()));
        }
    }
}

/// <summary>One recorded write.</summary>
public sealed record PinWrite(int Pin, PinValue Value, DateTimeOffset At);
