using GateKiosk.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Signalling;

/// <summary>
/// Turns the door inputs into journaled door events and alarms: door-opened/closed, a held-open alarm when the door
/// stays open longer than <see cref="DoorOptions.HeldOpenAfter"/>, a forced-open alarm when it opens without a grant,
/// and exit requests from the exit button. Timing runs on <see cref="TimeProvider"/> timers.
/// </summary>
public sealed partial class DoorMonitor : IDisposable
{
    private readonly IDoorSensor _sensor;
    private readonly IGateSignal _signal;
    private readonly GatePipeline _pipeline;
    private readonly DoorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DoorMonitor> _logger;
    private readonly Lock _sync = new();
    private ITimer? _heldOpen;

    // A disposed timer may still run a callback already queued: it carries the generation it was armed in and does
    // nothing once the door has closed or the timer was re-armed, so an old one cannot raise held-open early.
    private long _heldOpenGeneration;
    private bool? _open;
    private DoorAlarm _alarm;
    private bool _disposed;

    public DoorMonitor(IDoorSensor sensor, IGateSignal signal, GatePipeline pipeline, IOptions<DoorOptions> options, TimeProvider time, ILogger<DoorMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sensor = sensor;
        _signal = signal;
        _pipeline = pipeline;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The door as telemetry reports it: <c>closed</c>, <c>open</c>, <c>held-open</c>, <c>forced</c> or <c>unknown</c>.</summary>
    public string State
    {
        get
        {
            lock (_sync)
            {
                return (_open, _alarm) switch
                {
                    (null, _) => "unknown",
                    (true, DoorAlarm.HeldOpen) => "held-open",
                    (true, DoorAlarm.Forced) => "forced",
                    (true, _) => "open",
                    (false, _) => "closed",
                };
            }
        }
    }

    /// <summary>Reads the inputs' current state and starts watching them. A door already open at start is timed for held-open.</summary>
    public void Start()
    {
        lock (_sync)
        {
            _open = _options.HasContact ? _sensor.IsDoorOpen : null;
            if (_open == true)
            {
                ArmHeldOpen();
            }
        }

        _sensor.Start(OnDoorChanged, OnExitChanged);
    }

    /// <summary>The debounced door contact changed.</summary>
    public void OnDoorChanged(bool open)
    {
        if (!_options.HasContact)
        {
            return;
        }

        lock (_sync)
        {
            if (_disposed || _open == open)
            {
                return;
            }

            _open = open;
            if (open)
            {
                _pipeline.RecordDoorEvent(EventTypes.DoorOpened);
                if (_signal.IsGranting)
                {
                    ArmHeldOpen();
                }
                else
                {
                    _pipeline.RecordDoorEvent(EventTypes.DoorForced);
                    Raise(DoorAlarm.Forced);
                }
            }
            else
            {
                DisarmHeldOpen();
                _pipeline.RecordDoorEvent(EventTypes.DoorClosed);
                if (_alarm != DoorAlarm.None)
                {
                    _alarm = DoorAlarm.None;
                    _signal.SetAlarm(DoorAlarm.None);
                    LogAlarmCleared();
                }
            }
        }
    }

    /// <summary>The debounced exit button changed: a press grants (journaled first), holding keeps the door released.</summary>
    public void OnExitChanged(bool pressed)
    {
        if (!_options.HasExitButton)
        {
            return;
        }

        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            if (pressed)
            {
                var outcome = _pipeline.ProcessExitRequest();
                if (_options.HoldWhileExitPressed && outcome.Decision.IsAllow)
                {
                    _signal.HoldGrant(true);
                }
            }
            else
            {
                _signal.HoldGrant(false);
            }
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            DisarmHeldOpen();
        }
    }

    private void ArmHeldOpen()
    {
        DisarmHeldOpen();
        var generation = _heldOpenGeneration;
        _heldOpen = _time.CreateTimer(_ => OnHeldOpen(generation), null, _options.HeldOpenAfter, Timeout.InfiniteTimeSpan);
    }

    private void DisarmHeldOpen()
    {
        _heldOpen?.Dispose();
        _heldOpen = null;
        _heldOpenGeneration++;
    }

    private void OnHeldOpen(long generation)
    {
        lock (_sync)
        {
            if (_disposed || generation != _heldOpenGeneration || _open != true || _alarm != DoorAlarm.None)
            {
                return;
            }

            _pipeline.RecordDoorEvent(EventTypes.DoorHeldOpen);
            Raise(DoorAlarm.HeldOpen);
        }
    }

    private void Raise(DoorAlarm alarm)
    {
        _alarm = alarm;
        _signal.SetAlarm(alarm);
        LogAlarm(alarm);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Door alarm: {Alarm}")]
    private partial void LogAlarm(DoorAlarm alarm);

    [LoggerMessage(Level = LogLevel.Information, Message = "Door closed; alarm cleared")]
    private partial void LogAlarmCleared();
}
