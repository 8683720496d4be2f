using System.Data.Common;
using System.Globalization;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using GateKiosk.Core.Scanning;
using GateKiosk.Core.Signalling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>Assembles telemetry from the journal, the clock probe, the door monitor, the reader and the SoC sensor.</summary>
internal sealed class KioskTelemetrySource(
    IEntryJournal journal,
    ITimeSourceProbe clock,
    IOptions<KioskOptions> kiosk,
    TimeProvider time,
    IServiceProvider services) : IKioskTelemetry
{
    private const string CpuTemperatureFile = "/sys/class/thermal/thermal_zone0/temp";
    private readonly long _startedAt = time.GetTimestamp();

    public KioskTelemetry Snapshot()
    {
        var now = time.GetUtcNow();
        var stats = journal.GetStats();
        var scanner = services.GetService<IScannerHealth>()?.Current;
        return new KioskTelemetry(
            kiosk.Value.KioskId,
            kiosk.Value.SiteId,
            now,
            (long)time.GetElapsedTime(_startedAt).TotalSeconds,
            clock.Current,
            new OutboxTelemetry(
                stats.Unsent,
                stats.OldestUnsentAt is { } oldest ? Math.Round((now - oldest).TotalSeconds, 1) : null,
                stats.SetAside,
                stats.LastSeq,
                stats.SizeBytes),
            services.GetService<DoorMonitor>()?.State,
            CpuTemperature(),
            scanner is null ? null : new ScannerTelemetry(scanner.Source, scanner.Connected, scanner.LastReadAt, scanner.Reads, scanner.DecodeFailures, scanner.Disconnects),
            JournalPressure(),
            services.GetService<Core.Policy.PolicyApplier>() is { Enabled: true } policy ? policy.Version : null);
    }

    /// <summary>How full the bounded journal is; null without a bound or when the database is busy (the next snapshot tries again).</summary>
    private JournalTelemetry? JournalPressure()
    {
        try
        {
            return services.GetService<IJournalMaintenance>()?.GetUsage() is { } usage
                ? new JournalTelemetry(usage.UsedBytes, usage.MaxBytes, usage.Pressure switch
                {
                    Core.Journaling.JournalPressure.Alarm => JournalTelemetry.Alarm,
                    Core.Journaling.JournalPressure.Full => JournalTelemetry.Full,
                    _ => JournalTelemetry.Normal,
                })
                : null;
        }
        catch (DbException)
        {
            return null;
        }
    }

    /// <summary>The kernel reports millidegrees Celsius; boards without the sensor give null.</summary>
    private static double? CpuTemperature()
    {
        try
        {
            return File.Exists(CpuTemperatureFile)
                && long.TryParse(File.ReadAllText(CpuTemperatureFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var milli)
                ? milli / 1000.0
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
