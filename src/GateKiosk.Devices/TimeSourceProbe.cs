using GateKiosk.Contracts;
using GateKiosk.Core;

namespace GateKiosk.Devices;

/// <summary>
/// Reads how the clock is disciplined: systemd-timesyncd marks a synchronised clock with
/// <c>/run/systemd/timesync/synchronized</c>; a battery RTC shows up as <c>/dev/rtc0</c>; a bare Pi has neither.
/// Re-read at most once a minute.
/// </summary>
public sealed class TimeSourceProbe : ITimeSourceProbe
{
    private readonly TimeProvider _time;
    private readonly string _root;
    private readonly Lock _lock = new();
    private string _current = TimeSources.None;
    private long _checkedAt = long.MinValue;

    public TimeSourceProbe(TimeProvider time, string root = "/")
    {
        _time = time;
        _root = root;
    }

    public string Current
    {
        get
        {
            lock (_lock)
            {
                return Refresh();
            }
        }
    }

    private string Refresh()
    {
        var now = _time.GetTimestamp();
        if (_checkedAt == long.MinValue || _time.GetElapsedTime(_checkedAt, now) > TimeSpan.FromMinutes(1))
        {
            _current = File.Exists(Path.Combine(_root, "run/systemd/timesync/synchronized")) ? TimeSources.Ntp
                : File.Exists(Path.Combine(_root, "dev/rtc0")) ? TimeSources.Rtc
                : TimeSources.None;
            _checkedAt = now;
        }

        return _current;
    }
}
