using System.Device.Gpio;
using System.Diagnostics;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Gpio;
using GateKiosk.Devices.Simulated;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Scan complete → relay on, in process, through the real pipeline with the durable SQLite journal commit on the
/// path (the commit happens before the relay), next to the raw fsync latency of the same disk in the same run.
/// </summary>
internal sealed class ScanLatencyBenchmark : IBenchmark
{
    public string Name => "scan-latency";

    public string Description => "scan → relay-on p50/p99 with the durable journal commit, vs raw fsync of the same disk";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var scans = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3000;
        var folder = Path.Combine(Environment.CurrentDirectory, "artifacts", "bench-scan-latency");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        await output.WriteLineAsync($"folder: {folder} ({scans} scans, {scans} fsyncs)");

        var fsync = MeasureFsync(Path.Combine(folder, "fsync.bin"), scans);
        var fdatasync = MeasureOverwriteFdatasync(Path.Combine(folder, "fdatasync.bin"), scans);
        var relay = MeasurePipeline(folder, scans);

        await output.WriteLineAsync($"scan → relay-on (journal commit on the path): {Describe(relay)}");
        await output.WriteLineAsync($"raw append + fsync, same disk:                {Describe(fsync)}");
        await output.WriteLineAsync($"raw overwrite + fdatasync (what a WAL commit does): {Describe(fdatasync)}");
        await output.WriteLineAsync($"ratio p50 relay/fsync: {Percentile(relay, 0.50) / Percentile(fsync, 0.50):F2}   ratio p99: {Percentile(relay, 0.99) / Percentile(fsync, 0.99):F2}");
        var p99 = Percentile(relay, 0.99);
        await output.WriteLineAsync($"target p99 ≤ 3 ms: {(p99 <= 3.0 ? "met" : "missed")} ({p99:F3} ms)");
        Directory.Delete(folder, recursive: true);
        return 0;
    }

    private static double[] MeasurePipeline(string folder, int scans)
    {
        var time = TimeProvider.System;
        var driver = new SimulatedGpioDriver();
        var gpio = new GpioOptions { Driver = GpioDriverKind.Simulated };
        long relayOnAt = 0;
        driver.PinWritten += (pin, value) =>
        {
            if (pin == gpio.RelayPin && value == PinValue.Low)
            {
                relayOnAt = Stopwatch.GetTimestamp();
            }
        };

        var badges = new BadgeOptions();
        badges.Allowlist.Add("E1001");
        var kiosk = Options.Create(new KioskOptions { SiteId = "bench", KioskId = "gate-1" });
        using var journal = new SqliteEntryJournal(Path.Combine(folder, "journal.db"), "bench", "gate-1");
        using var signal = new GpioGateSignal(new GpioController(driver), Options.Create(gpio), time, shouldDispose: true);
        var pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(badges))]),
            new AccessDecider(kiosk),
            journal,
            signal,
            new FakeTimeSourceProbe(),
            time,
            NullLogger<GatePipeline>.Instance);

        for (var i = 0; i < 200; i++)
        {
            pipeline.Process(new RawScan("E1001", Stopwatch.GetTimestamp(), "bench"));
            signal.SetSafeState();
        }

        var samples = new double[scans];
        for (var i = 0; i < scans; i++)
        {
            var scan = new RawScan("E1001", Stopwatch.GetTimestamp(), "bench");
            relayOnAt = 0;
            pipeline.Process(scan);
            if (relayOnAt == 0)
            {
                throw new InvalidOperationException("the relay was not driven on for an allow");
            }

            samples[i] = Stopwatch.GetElapsedTime(scan.CompletedAt, relayOnAt).TotalMilliseconds;

            // Release the relay (outside the measurement) so the next allow drives it on again.
            signal.SetSafeState();
        }

        return samples;
    }

    private static double[] MeasureFsync(string path, int count)
    {
        var block = new byte[512];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var samples = new double[count];
        for (var i = 0; i < count + 200; i++)
        {
            var start = Stopwatch.GetTimestamp();
            file.Write(block);
            file.Flush(flushToDisk: true);
            if (i >= 200)
            {
                samples[i - 200] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return samples;
    }

    /// <summary>Rewrites blocks inside a preallocated file and fdatasyncs, as SQLite does when it reuses its WAL.</summary>
    private static double[] MeasureOverwriteFdatasync(string path, int count)
    {
        var block = new byte[4096];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        file.SetLength(4 << 20);
        file.Flush(flushToDisk: true);
        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        var samples = new double[count];
        for (var i = 0; i < count + 200; i++)
        {
            var start = Stopwatch.GetTimestamp();
            RandomAccess.Write(file.SafeFileHandle, block, (i % 1024) * 4096L);
            if (NativeMethods.fdatasync(fd) != 0)
            {
                throw new IOException("fdatasync failed");
            }

            if (i >= 200)
            {
                samples[i - 200] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return samples;
    }

    private static string Describe(double[] samples) =>
        $"p50 {Percentile(samples, 0.50):F3} ms  p99 {Percentile(samples, 0.99):F3} ms  max {samples.Max():F3} ms";

    private static double Percentile(double[] samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

internal static partial class NativeMethods
{
    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
#pragma warning disable CA1401, SA1300 // libc's own name.
    internal static partial int fdatasync(int fd);
#pragma warning restore CA1401, SA1300
}
