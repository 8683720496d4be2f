using System.Device.Gpio;

namespace GateKiosk.Devices.Simulated;

/// <summary>
/// A GPIO driver that keeps pins in memory, for laptops, the demo and tests. It behaves like a real
/// driver behind <see cref="GpioController"/>, so the controller's own pin checks still run.
/// </summary>
public class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly HashSet<int> _driven = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Handler)>> _callbacks = [];

    /// <summary>Raised after every write, with the pin and the level written.</summary>
    public event Action<int, PinValue>? PinWritten;

    protected override int PinCount => 54;

    /// <summary>The level last written to or set on <paramref name="pin"/> (low when never written).</summary>
    public PinValue Level(int pin)
    {
        lock (_lock)
        {
            return _values.GetValueOrDefault(pin, PinValue.Low);
        }
    }

    /// <summary>
    /// Drives an input as the outside world would (a door contact, a button) and raises its callbacks; the level
    /// stays over a later pull-up, as a closed contact does.
    /// </summary>
    public void SetInput(int pin, PinValue value)
    {
        List<(PinEventTypes Types, PinChangeEventHandler Handler)> handlers;
        PinValue old;
        lock (_lock)
        {
            old = _values.GetValueOrDefault(pin, PinValue.Low);
            _values[pin] = value;
            _driven.Add(pin);
            handlers = _callbacks.TryGetValue(pin, out var list) ? [.. list] : [];
        }

        if (old == value)
        {
            return;
        }

        var type = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (types, handler) in handlers.Where(h => (h.Types & type) != 0))
        {
            handler(this, new PinValueChangedEventArgs(type, pin));
        }
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_lock)
        {
            _modes.TryAdd(pinNumber, PinMode.Input);
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_lock)
        {
            _modes.Remove(pinNumber);
            _callbacks.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_lock)
        {
            _modes[pinNumber] = mode;
            // A pull-up reads high only while nothing outside drives the pin.
            if (mode == PinMode.InputPullUp && !_driven.Contains(pinNumber))
            {
                _values[pinNumber] = PinValue.High;
            }
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        // A real driver sets the level and the direction in one request, so the pin never glitches.
        lock (_lock)
        {
            _modes[pinNumber] = mode;
        }

        if (mode == PinMode.Output)
        {
            Write(pinNumber, initialValue);
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_lock)
        {
            return _modes.GetValueOrDefault(pinNumber, PinMode.Input);
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            _values[pinNumber] = value;
        }

        OnWrite(pinNumber, value);
        PinWritten?.Invoke(pinNumber, value);
    }

    /// <summary>Called after every write; a test driver records it.</summary>
    protected virtual void OnWrite(int pinNumber, PinValue value)
    {
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        cancellationToken.WaitHandle.WaitOne();
        return new WaitForEventResult { TimedOut = true, EventTypes = PinEventTypes.None };
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            if (!_callbacks.TryGetValue(pinNumber, out var list))
            {
                _callbacks[pinNumber] = list = [];
            }

            list.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            if (_callbacks.TryGetValue(pinNumber, out var list))
            {
                list.RemoveAll(h => h.Handler == callback);
            }
        }
    }
}
