using System.Device.Gpio;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Signalling;
using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Gpio;

/// <summary>
/// Relay and green/red LEDs on GPIO. Each output is opened already at its inactive level, so the
/// relay cannot pulse while the kiosk starts; timed steps run on <see cref="TimeProvider"/> timers,
/// never on a sleeping thread.
/// </summary>
public sealed class GpioGateSignal : IGateSignal, IDisposable
{
    private readonly GpioController _controller;
    private readonly bool _shouldDispose;
    private readonly GpioOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Output _relay;
    private readonly Output _green;
    private readonly Output _red;
    private ITimer? _grantEnd;
    private ITimer? _denyEnd;
    private bool _disposed;

    public GpioGateSignal(IOptions<GpioOptions> options, TimeProvider time)
        : this(new GpioController(GpioDriverFactory.Create(options.Value)), options, time, shouldDispose: true)
    {
    }

    /// <param name="controller">The controller the outputs live on.</param>
    /// <param name="options">Pins, levels and timings.</param>
    /// <param name="time">Drives the pulse and indication timers.</param>
    /// <param name="shouldDispose">True when this signal owns <paramref name="controller"/>.</param>
    public GpioGateSignal(GpioController controller, IOptions<GpioOptions> options, TimeProvider time, bool shouldDispose)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        _controller = controller;
        _shouldDispose = shouldDispose;
        _options = options.Value;
        _time = time;
        _relay = new Output(_options.RelayPin, _options.RelayActiveLow);
        _green = new Output(_options.GreenLedPin, _options.LedActiveLow);
        _red = new Output(_options.RedLedPin, _options.LedActiveLow);

        // Safe state first: open every output directly at its inactive level (one driver request, no glitch).
        foreach (var output in new[] { _relay, _green, _red })
        {
            if (_controller.IsPinOpen(output.Pin))
            {
                _controller.Write(output.Pin, output.Inactive);
                _controller.SetPinMode(output.Pin, PinMode.Output);
            }
            else
            {
                _controller.OpenPin(output.Pin, PinMode.Output, output.Inactive);
            }
        }
    }

    public void SetSafeState()
    {
        lock (_lock)
        {
            _grantEnd?.Dispose();
            _denyEnd?.Dispose();
            _grantEnd = _denyEnd = null;
            Drive(_relay, on: false);
            Drive(_green, on: false);
            Drive(_red, on: false);
        }
    }

    public void Signal(GateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (decision.IsAllow)
            {
                Drive(_red, on: false);
                Drive(_relay, on: true);
                Drive(_green, on: true);
                _grantEnd?.Dispose();
                _grantEnd = _time.CreateTimer(_ => EndGrant(), null, _options.RelayPulse, Timeout.InfiniteTimeSpan);
            }
            else
            {
                // A deny never touches the relay, not even to release a pulse in progress.
                Drive(_red, on: true);
                _denyEnd?.Dispose();
                _denyEnd = _time.CreateTimer(_ => EndDeny(), null, _options.DenyIndication, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            SetSafeState();
            _disposed = true;
        }

        if (_shouldDispose)
        {
            _controller.Dispose();
        }
    }

    private void EndGrant()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            Drive(_relay, on: false);
            Drive(_green, on: false);
        }
    }

    private void EndDeny()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                Drive(_red, on: false);
            }
        }
    }

    private void Drive(Output output, bool on) => _controller.Write(output.Pin, on ? output.Active : output.Inactive);

    private sealed record Output(int Pin, bool ActiveLow)
    {
        public PinValue Active => ActiveLow ? PinValue.Low : PinValue.High;

        public PinValue Inactive => ActiveLow ? PinValue.High : PinValue.Low;
    }
}
