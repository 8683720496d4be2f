using System.Device.Gpio;
using GateKiosk.Contracts;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Display;
using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Gpio;

/// <summary>
/// Relay, green/red LEDs, buzzer and display. Each output is opened already at its inactive level, so the relay
/// cannot pulse while the kiosk starts; timed steps run on <see cref="TimeProvider"/> timers, never on a sleeping
/// thread. The relay is driven first, everything else after it.
/// </summary>
public sealed class GpioGateSignal : IGateSignal, IDisposable
{
    private static readonly TimeSpan AlarmBlink = TimeSpan.FromMilliseconds(250);

    private readonly GpioController _controller;
    private readonly bool _shouldDispose;
    private readonly GpioOptions _options;
    private readonly DoorOptions _door;
    private readonly Lock _lock = new();
    private readonly Output _relay;
    private readonly Output _green;
    private readonly Output _red;
    private readonly IBuzzer? _buzzer;
    private readonly IGateDisplay? _display;
    private readonly TimeProvider _time;
    private readonly PatternPlayer _greenPlayer;
    private readonly PatternPlayer _redPlayer;
    private readonly PatternPlayer _buzzerPlayer;
    private ITimer? _grantEnd;
    private ITimer? _denyEnd;

    // Disposing a timer does not recall a callback already queued: each callback carries the generation it was armed in
    // and does nothing once a newer grant (or deny) has re-armed, so a late one cannot cut the new pulse short.
    private long _grantGeneration;
    private long _denyGeneration;
    private bool _granting;
    private bool _pulseOver;
    private bool _held;
    private DoorAlarm _alarm;
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
        : this(controller, options?.Value!, new DoorOptions(), time, shouldDispose, buzzer: null, display: null)
    {
    }

    /// <param name="controller">The controller the outputs live on.</param>
    /// <param name="options">Pins, levels and timings.</param>
    /// <param name="door">The lock type (the relay's rest level).</param>
    /// <param name="time">Drives the pulse, pattern and indication timers.</param>
    /// <param name="shouldDispose">True when this signal owns <paramref name="controller"/>.</param>
    /// <param name="buzzer">The buzzer (owned by this signal); null makes an active buzzer on <see cref="GpioOptions.BuzzerPin"/> when configured.</param>
    /// <param name="display">The display, if any.</param>
    public GpioGateSignal(GpioController controller, GpioOptions options, DoorOptions door, TimeProvider time, bool shouldDispose, IBuzzer? buzzer, IGateDisplay? display)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(door);
        _controller = controller;
        _shouldDispose = shouldDispose;
        _options = options;
        _door = door;
        _time = time;
        _display = display;
        _relay = new Output(options.RelayPin, options.RelayActiveLow);
        _green = new Output(options.GreenLedPin, options.LedActiveLow);
        _red = new Output(options.RedLedPin, options.LedActiveLow);

        // Safe state first: every output opened directly at its inactive (unpowered) level, relay first.
        foreach (var output in new[] { _relay, _green, _red })
        {
            GpioOutputs.OpenAt(_controller, output.Pin, output.Inactive);
        }

        _buzzer = buzzer ?? (options.Buzzer == BuzzerKind.Active ? new PinBuzzer(controller, options.BuzzerPin, options.BuzzerActiveLow) : null);
        _greenPlayer = new PatternPlayer(level => Drive(_green, level > 0), time, _lock);
        _redPlayer = new PatternPlayer(level => Drive(_red, level > 0), time, _lock);
        _buzzerPlayer = new PatternPlayer(level => _buzzer?.Tone(level), time, _lock);

        // A fail-safe lock (maglock) is held locked by an energised relay: lock it once outputs are known safe.
        if (_door.LockType == LockType.FailSafe)
        {
            Drive(_relay, on: LockedEnergised);
        }
    }

    public bool IsGranting
    {
        get
        {
            lock (_lock)
            {
                return _granting;
            }
        }
    }

    /// <summary>Relay energised while locked (fail-safe) or while released (fail-secure).</summary>
    private bool LockedEnergised => _door.LockType == LockType.FailSafe;

    public void SetSafeState()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            CancelTimers();
            _granting = _held = false;
            _alarm = DoorAlarm.None;
            Drive(_relay, on: LockedEnergised);
            _greenPlayer.Stop();
            _redPlayer.Stop();
            _buzzerPlayer.Stop();
            _display?.Show(DisplayMessage.Idle);
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
                if (!_granting)
                {
                    Drive(_relay, on: !LockedEnergised);
                    _granting = true;
                }

                _pulseOver = false;
                _grantEnd?.Dispose();
                var generation = ++_grantGeneration;
                _grantEnd = _time.CreateTimer(_ => EndPulse(generation), null, _options.RelayPulse, Timeout.InfiniteTimeSpan);
                _greenPlayer.Play(Pattern.Steady(Timeout.InfiniteTimeSpan));
                if (_alarm == DoorAlarm.None)
                {
                    _redPlayer.Stop();
                    _buzzerPlayer.Play(BuzzerPatterns.Allow);
                }

                _display?.Show(decision.Reason == ReasonCodes.ExitButton
                    ? new DisplayMessage(DisplayScreen.Exit)
                    : new DisplayMessage(DisplayScreen.Allow, Holder: decision.HolderName));
            }
            else
            {
                // A deny never touches the relay, not even to end a pulse in progress.
                if (_alarm == DoorAlarm.None)
                {
                    _redPlayer.Play(Pattern.Steady(_options.DenyIndication));
                    _buzzerPlayer.Play(BuzzerPatterns.Deny);
                    _display?.Show(new DisplayMessage(DisplayScreen.Deny, decision.Reason));
                    _denyEnd?.Dispose();
                    var generation = ++_denyGeneration;
                    _denyEnd = _time.CreateTimer(_ => EndDeny(generation), null, _options.DenyIndication, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    public void HoldGrant(bool held)
    {
        lock (_lock)
        {
            if (_disposed || !_door.HoldWhileExitPressed)
            {
                return;
            }

            if (held)
            {
                _held = _granting;
            }
            else
            {
                _held = false;
                if (_granting && _pulseOver)
                {
                    EndGrant();
                }
            }
        }
    }

    public void SetAlarm(DoorAlarm alarm)
    {
        lock (_lock)
        {
            if (_disposed || alarm == _alarm)
            {
                return;
            }

            _alarm = alarm;
            if (alarm == DoorAlarm.None)
            {
                _redPlayer.Stop();
                _buzzerPlayer.Stop();
                _display?.Show(_granting ? new DisplayMessage(DisplayScreen.Allow) : DisplayMessage.Idle);
            }
            else
            {
                _denyEnd?.Dispose();
                _denyEnd = null;
                _denyGeneration++;
                _redPlayer.Play(Pattern.Blink(AlarmBlink, AlarmBlink));
                _buzzerPlayer.Play(BuzzerPatterns.Alarm);
                _display?.Show(new DisplayMessage(alarm == DoorAlarm.Forced ? DisplayScreen.Forced : DisplayScreen.HeldOpen));
            }
        }
    }

    /// <summary>Stops every timer and leaves each output at its inactive (unpowered) level — what the door does without power.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            CancelTimers();
            _greenPlayer.Stop();
            _redPlayer.Stop();
            _buzzerPlayer.Stop();
            _greenPlayer.Dispose();
            _redPlayer.Dispose();
            _buzzerPlayer.Dispose();
            Drive(_relay, on: false);
            _buzzer?.Dispose();
            _disposed = true;
        }

        if (_shouldDispose)
        {
            _controller.Dispose();
        }
    }

    private void CancelTimers()
    {
        _grantEnd?.Dispose();
        _denyEnd?.Dispose();
        _grantEnd = _denyEnd = null;
        _grantGeneration++;
        _denyGeneration++;
    }

    private void EndPulse(long generation)
    {
        lock (_lock)
        {
            if (_disposed || !_granting || generation != _grantGeneration)
            {
                return;
            }

            _pulseOver = true;
            if (!_held)
            {
                EndGrant();
            }
        }
    }

    private void EndGrant()
    {
        Drive(_relay, on: LockedEnergised);
        _granting = false;
        _greenPlayer.Stop();
        if (_alarm == DoorAlarm.None && _denyEnd is null)
        {
            _display?.Show(DisplayMessage.Idle);
        }
    }

    private void EndDeny(long generation)
    {
        lock (_lock)
        {
            if (generation != _denyGeneration)
            {
                return;
            }

            _denyEnd?.Dispose();
            _denyEnd = null;
            if (!_disposed && _alarm == DoorAlarm.None)
            {
                _display?.Show(_granting ? new DisplayMessage(DisplayScreen.Allow) : DisplayMessage.Idle);
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
