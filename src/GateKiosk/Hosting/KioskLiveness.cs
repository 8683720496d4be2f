using System.Globalization;
using GateKiosk.Core.Journaling;

namespace GateKiosk.Hosting;

/// <summary>Whether the kiosk is alive, as the service manager's watchdog should see it: one reason when not.</summary>
public readonly record struct LivenessReport(bool Alive, string? Problem)
{
    public static LivenessReport Healthy => new(true, null);

    public static LivenessReport Failing(string problem) => new(false, problem);
}

/// <summary>
/// The kiosk's health for the watchdog: the scan loop is running, no scan has been stuck in the pipeline longer than
/// <see cref="MaxScanTime"/> (by default), and the journal answers. The scan worker reports its loop and each scan; the check asks
/// the journal itself, so a journal that hangs also hangs the check, and the pings stop.
/// </summary>
public sealed class KioskLiveness(IEntryJournal journal, TimeProvider time, TimeSpan? maxScanTime = null)
{
    /// <summary>Longer than any scan takes (decoding a camera frame, journaling, starting the relay pulse: milliseconds).</summary>
    public static readonly TimeSpan MaxScanTime = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _maxScanTime = maxScanTime ?? MaxScanTime;

    private long _scanStarted;
    private volatile bool _scanLoopRunning;

    /// <summary>The scan loop started reading from its source.</summary>
    public void ScanLoopStarted() => _scanLoopRunning = true;

    /// <summary>The scan loop ended (source ended, stopping, or failed).</summary>
    public void ScanLoopStopped() => _scanLoopRunning = false;

    /// <summary>A scan entered the pipeline.</summary>
    public void ScanStarted() => Interlocked.Exchange(ref _scanStarted, time.GetTimestamp());

    /// <summary>The scan left the pipeline.</summary>
    public void ScanFinished() => Interlocked.Exchange(ref _scanStarted, 0);

    /// <summary>Checks the scan loop, the pipeline and the journal.</summary>
    public LivenessReport Check()
    {
        if (!_scanLoopRunning)
        {
            return LivenessReport.Failing("the scan loop is not running");
        }

        var started = Interlocked.Read(ref _scanStarted);
        if (started != 0 && time.GetElapsedTime(started) > _maxScanTime)
        {
            return LivenessReport.Failing(string.Create(CultureInfo.InvariantCulture, $"a scan has been in the pipeline for more than {_maxScanTime.TotalSeconds:0.#} s"));
        }

        try
        {
            journal.GetStats();
        }
#pragma warning disable CA1031 // Whatever the journal throws, the answer is the same: not alive.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return LivenessReport.Failing("the journal does not answer: " + ex.GetBaseException().Message);
        }

        return LivenessReport.Healthy;
    }
}
