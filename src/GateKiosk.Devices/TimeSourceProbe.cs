using System.Globalization;
using GateKiosk.Contracts;
using GateKiosk.Core;

namespace GateKiosk.Devices;

/// <summary>
/// How far the wall clock can be trusted, asked of the kernel rather than of one time daemon:
/// <list type="bullet">
/// <item><c>ntp</c> — the kernel clock is synchronised (<c>adjtimex</c>), whichever daemon did it: systemd-timesyncd,
/// chrony, ntpd. A synchronised clock is also remembered in <c>clock-synced</c> in the data folder (at most hourly).</item>
/// <item><c>rtc</c> — not synchronised now, but the clock came from a hardware clock that provably kept time since the
/// last synchronisation: the kernel set the system clock from <c>rtc0</c> at boot (<c>hctosys</c> is 1), and both
/// the RTC and the system clock read no earlier than the last synchronisation remembered in <c>clock-synced</c>. An
/// RTC without a battery (a bare Pi 5 has <c>/dev/rtc0</c> whether or not a cell is fitted) restarts from its
/// epoch after a power cut and so fails this; one that stayed powered or has a cell passes. The NTP daemon must
/// keep the RTC set (the kernel does while the clock is synchronised; chrony needs <c>rtcsync</c>).</item>
/// <item><c>none</c> — anything else, including a kiosk that has never been synchronised.</item>
/// </list>
/// Re-read at most once a minute.
/// </summary>
public sealed class TimeSourceProbe : ITimeSourceProbe
{
    /// <summary>The file in the data folder recording when the clock was last seen synchronised (Unix seconds, UTC).</summary>
    public const string MarkerFileName = "clock-synced";

    internal const string RtcFolder = "/sys/class/rtc/rtc0";
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MarkerInterval = TimeSpan.FromHours(1);

    private readonly TimeProvider _time;
    private readonly IClockSignals _signals;
    private readonly string? _marker;
    private readonly Lock _lock = new();
    private string _current = TimeSources.None;
    private long _checkedAt = long.MinValue;
    private long _markedAt = long.MinValue;

    /// <param name="time">The clock whose trust is reported.</param>
    /// <param name="dataDirectory">The kiosk's data folder, where <see cref="MarkerFileName"/> is kept; null never reports <c>rtc</c>.</param>
    /// <param name="signals">What the kernel and sysfs say; null asks the real ones.</param>
    public TimeSourceProbe(TimeProvider time, string? dataDirectory = null, IClockSignals? signals = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _signals = signals ?? new LinuxClockSignals();
        _marker = string.IsNullOrEmpty(dataDirectory) ? null : Path.Combine(dataDirectory, MarkerFileName);
    }

    public string Current
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                if (_checkedAt == long.MinValue || _time.GetElapsedTime(_checkedAt, now) >= RefreshInterval)
                {
                    _current = Probe(now);
                    _checkedAt = now;
                }

                return _current;
            }
        }
    }

    private string Probe(long now)
    {
        if (_signals.KernelClockSynchronised() == true)
        {
            Remember(now);
            return TimeSources.Ntp;
        }

        return RtcKeptTime() ? TimeSources.Rtc : TimeSources.None;
    }

    private void Remember(long now)
    {
        if (_marker is null || (_markedAt != long.MinValue && _time.GetElapsedTime(_markedAt, now) < MarkerInterval))
        {
            return;
        }

        var seconds = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (_signals.TryWrite(_marker, seconds + "\n"))
        {
            _markedAt = now;
        }
    }

    private bool RtcKeptTime()
    {
        if (_marker is null
            || !TryReadSeconds(_marker, out var lastSynced)
            || _signals.Read(RtcFolder + "/hctosys")?.Trim() != "1"
            || !TryReadSeconds(RtcFolder + "/since_epoch", out var rtcNow))
        {
            return false;
        }

        return rtcNow >= lastSynced && _time.GetUtcNow().ToUnixTimeSeconds() >= lastSynced;
    }

    private bool TryReadSeconds(string path, out long seconds)
    {
        seconds = 0;
        return _signals.Read(path) is { } text
            && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds)
            && seconds > 0;
    }
}
