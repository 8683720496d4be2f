using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also keeps every timer callback it was asked to arm, so a test can run one late:
/// the way a real timer whose callback was already queued runs after its timer was disposed.
/// </summary>
public sealed class TimerCapturingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    private readonly List<ArmedTimer> _armed = [];

    /// <summary>The time this provider reads and advances.</summary>
    public FakeTimeProvider Fake { get; } = inner;

    /// <summary>Every timer created so far, oldest first.</summary>
    public IReadOnlyList<ArmedTimer> Armed
    {
        get
        {
            lock (_armed)
            {
                return [.. _armed];
            }
        }
    }

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_armed)
        {
            _armed.Add(new ArmedTimer(callback, state, dueTime));
        }

        return Fake.CreateTimer(callback, state, dueTime, period);
    }
}

/// <summary>A timer callback as it was armed.</summary>
public sealed record ArmedTimer(TimerCallback Callback, object? State, TimeSpan DueTime)
{
    /// <summary>Runs the callback now, whatever became of its timer.</summary>
    public void RunLate() => Callback(State);
}
