namespace GateKiosk.Devices.Gpio;

/// <summary>One step of an output pattern: a level (0 off; for a buzzer the pitch in Hz, otherwise 1 for on) held for a time.</summary>
internal readonly record struct PatternStep(int Level, TimeSpan Duration);

/// <summary>A sequence of output steps, played once or repeated until stopped.</summary>
internal sealed record Pattern(IReadOnlyList<PatternStep> Steps, bool Repeat)
{
    /// <summary>On for <paramref name="duration"/>, then off.</summary>
    public static Pattern Steady(TimeSpan duration, int level = 1) => new([new PatternStep(level, duration)], Repeat: false);

    /// <summary>On and off in turn until stopped.</summary>
    public static Pattern Blink(TimeSpan on, TimeSpan off, int level = 1) => new([new PatternStep(level, on), new PatternStep(0, off)], Repeat: true);
}

/// <summary>
/// The three beeps a person at the door must tell apart without looking: allow is one short high beep, deny one
/// long low beep, the alarm a fast repeating high beep until the door closes.
/// </summary>
internal static class BuzzerPatterns
{
    public static Pattern Allow { get; } = Pattern.Steady(TimeSpan.FromMilliseconds(120), 2700);

    public static Pattern Deny { get; } = new(
        [new PatternStep(400, TimeSpan.FromMilliseconds(700)), new PatternStep(0, TimeSpan.FromMilliseconds(100)), new PatternStep(400, TimeSpan.FromMilliseconds(200))],
        Repeat: false);

    public static Pattern Alarm { get; } = Pattern.Blink(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200), 3000);
}

/// <summary>
/// Plays a <see cref="Pattern"/> on one output with <see cref="TimeProvider"/> timers, never a sleeping thread.
/// <see cref="Play"/> and <see cref="Stop"/> are called with <c>sync</c> held; timer callbacks take it themselves.
/// </summary>
internal sealed class PatternPlayer : IDisposable
{
    private readonly Action<int> _drive;
    private readonly TimeProvider _time;
    private readonly Lock _sync;
    private ITimer? _timer;
    private Pattern? _pattern;
    private int _index;
    private int _generation;

    public PatternPlayer(Action<int> drive, TimeProvider time, Lock sync)
    {
        _drive = drive;
        _time = time;
        _sync = sync;
    }

    /// <summary>True while a pattern is playing.</summary>
    public bool IsPlaying => _pattern is not null;

    /// <summary>Replaces whatever is playing with <paramref name="pattern"/>, starting with its first step now.</summary>
    public void Play(Pattern pattern)
    {
        Cancel();
        _pattern = pattern;
        _index = 0;
        Enter();
    }

    /// <summary>Stops and drives the output off.</summary>
    public void Stop()
    {
        Cancel();
        _drive(0);
    }

    public void Dispose() => Cancel();

    private void Cancel()
    {
        _generation++;
        _timer?.Dispose();
        _timer = null;
        _pattern = null;
    }

    private void Enter()
    {
        var step = _pattern!.Steps[_index];
        _drive(step.Level);
        var generation = _generation;
        _timer?.Dispose();
        _timer = _time.CreateTimer(_ => Next(generation), null, step.Duration, Timeout.InfiniteTimeSpan);
    }

    private void Next(int generation)
    {
        lock (_sync)
        {
            if (generation != _generation || _pattern is null)
            {
                return;
            }

            _index++;
            if (_index == _pattern.Steps.Count)
            {
                if (!_pattern.Repeat)
                {
                    Cancel();
                    _drive(0);
                    return;
                }

                _index = 0;
            }

            Enter();
        }
    }
}
