using System.Device.Gpio;
using GateKiosk.Core.Signalling;

namespace GateKiosk.Devices.Gpio;

/// <summary>
/// The door contact and exit button on GPIO inputs. An edge only restarts the debounce timer; the level is read
/// when it fires, and a change is reported only when it differs from the last reported one, so contact bounce
/// and short noise spikes never reach the journal.
/// </summary>
public sealed class GpioDoorSensor : IDoorSensor, IDisposable
{
    private readonly GpioController _controller;

    /// <summary>Raised when a handler of a debounced change threw; the sensor keeps running.</summary>
    public event EventHandler<Exception>? HandlerFailed;

    private readonly TimeSpan _debounce;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Input? _door;
    private readonly Input? _exit;
    private bool _disposed;

    public GpioDoorSensor(GpioController controller, GpioOptions options, DoorOptions door, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(door);
        _controller = controller;
        _debounce = options.InputDebounce;
        _time = time;
        var mode = options.InputPullUp ? PinMode.InputPullUp : PinMode.Input;
        if (door.HasContact)
        {
            _door = new Input(options.DoorContactPin, options.DoorOpenWhenHigh ? PinValue.High : PinValue.Low);
            Open(_door, mode);
        }

        if (door.HasExitButton)
        {
            _exit = new Input(options.ExitButtonPin, options.ExitPressedWhenLow ? PinValue.Low : PinValue.High);
            Open(_exit, mode);
        }
    }

    public bool? IsDoorOpen => _door is null ? null : Read(_door);

    public bool IsExitPressed => _exit is not null && Read(_exit);

    public void Start(Action<bool> doorChanged, Action<bool> exitChanged)
    {
        ArgumentNullException.ThrowIfNull(doorChanged);
        ArgumentNullException.ThrowIfNull(exitChanged);
        foreach (var (input, changed) in new[] { (_door, doorChanged), (_exit, exitChanged) })
        {
            if (input is null)
            {
                continue;
            }

            lock (_lock)
            {
                input.Changed = changed;
                input.Stable = Read(input);
                input.Debounce = _time.CreateTimer(_ => Settle(input), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _controller.RegisterCallbackForPinValueChangedEvent(input.Pin, PinEventTypes.Rising | PinEventTypes.Falling, (_, _) => OnEdge(input));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _door?.Debounce?.Dispose();
            _exit?.Debounce?.Dispose();
        }
    }

    private void Open(Input input, PinMode mode)
    {
        if (_controller.IsPinOpen(input.Pin))
        {
            _controller.SetPinMode(input.Pin, mode);
        }
        else
        {
            _controller.OpenPin(input.Pin, mode);
        }
    }

    private bool Read(Input input) => _controller.Read(input.Pin) == input.ActiveLevel;

    private void OnEdge(Input input)
    {
        if (_debounce <= TimeSpan.Zero)
        {
            Settle(input);
            return;
        }

        lock (_lock)
        {
            if (!_disposed)
            {
                input.Debounce?.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Settle(Input input)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var now = Read(input);
            if (now == input.Stable)
            {
                return;
            }

            input.Stable = now;
            try
            {
                input.Changed?.Invoke(now);
            }
#pragma warning disable CA1031 // This runs on a timer thread: an exception here would end the process.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                HandlerFailed?.Invoke(this, ex);
            }
        }
    }

    private sealed class Input(int pin, PinValue activeLevel)
    {
        public int Pin { get; } = pin;

        public PinValue ActiveLevel { get; } = activeLevel;

        public bool Stable { get; set; }

        public Action<bool>? Changed { get; set; }

        public ITimer? Debounce { get; set; }
    }
}
