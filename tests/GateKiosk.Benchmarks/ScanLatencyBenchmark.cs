using System.Diagnostics;
using GateKiosk.Storage;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Scan complete → relay on, in process, through the real pipeline with the durable SQLite journal commit on the
/// path (the commit happens before the relay), next to the raw fsync latency of the same disk in the same run. A second
/// phase measures the same while the publisher's read-and-mark-sent path drains a backlog on another thread, as in the
/// field after an outage. Exits non-zero when either p99 is above <see cref="TargetP99Ratio"/> × the raw fdatasync p99.
/// </summary>
internal sealed class ScanLatencyBenchmark : IBenchmark
{
    public string Name => "scan-latency";

    public string Description => "scan → relay-on p50/p99 with the durable journal commit, quiet and with the publisher draining, vs raw fdatasync of the same disk";

    /// <summary>Scan → relay-on p99 may be at most this many times the raw overwrite + fdatasync p99 of the same run.</summary>
    private const double TargetP99Ratio = 2.0;

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        // Usage: scan-latency [scans per phase, default 5000]; a small number (e.g. 500) is a quick check, not a figure.
        var scans = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
        var warmUp = Math.Max(200, scans / 10);
        var folder = Path.Combine(Environment.CurrentDirectory, "artifacts", "bench-scan-latency");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        await output.WriteLineAsync($"folder: {folder} ({scans} samples per measurement after {warmUp} warm-up, scans {RelayLatency.ScanGap.TotalMilliseconds:F0} ms apart)");

        var fsync = MeasureFsync(Path.Combine(folder, "fsync.bin"), scans, warmUp);
        var fdatasync = MeasureOverwriteFdatasync(Path.Combine(folder, "fdatasync.bin"), scans, warmUp);
        var (quiet, _) = MeasurePipeline(Path.Combine(folder, "quiet"), scans, warmUp, drain: false);
        var (drained, marked) = MeasurePipeline(Path.Combine(folder, "drain"), scans, warmUp, drain: true);

        // The disk again after the pipeline, printed so a change of load during the run shows; the ratios use the first.
        var fdatasyncAfter = MeasureOverwriteFdatasync(Path.Combine(folder, "fdatasync2.bin"), scans, warmUp);
        var peerP99 = Percentile(fdatasync, 0.99);

        await output.WriteLineAsync($"raw append + fsync, same disk:                      {Describe(fsync)}");
        await output.WriteLineAsync($"raw overwrite + fdatasync (what a WAL commit does): {Describe(fdatasync)}");
        await output.WriteLineAsync($"  same, measured again after the pipeline:         {Describe(fdatasyncAfter)}");
        await output.WriteLineAsync($"scan → relay-on, quiet journal:                     {Describe(quiet)}");
        await output.WriteLineAsync($"scan → relay-on, publisher draining concurrently:   {Describe(drained)}  ({marked} events read and marked sent meanwhile)");

        var failures = new List<string>();
        foreach (var (name, samples) in new[] { ("quiet", quiet), ("with drain", drained) })
        {
            var ratio50 = Percentile(samples, 0.50) / Percentile(fdatasync, 0.50);
            var ratio99 = Percentile(samples, 0.99) / peerP99;
            var met = ratio99 <= TargetP99Ratio;
            await output.WriteLineAsync($"{name}: ratio p50 relay/fdatasync {ratio50:F2}   ratio p99 relay/fdatasync {ratio99:F2}  target p99 ≤ {TargetP99Ratio:F1}×: {(met ? "met" : "MISSED")}");
            if (!met)
            {
                failures.Add($"scan → relay-on p99 ({name}) ≤ {TargetP99Ratio:F1}× raw fdatasync p99");
            }
        }

        Directory.Delete(folder, recursive: true);
        foreach (var failure in failures)
        {
            await output.WriteLineAsync($"target missed: {failure}");
        }

        return failures.Count == 0 ? 0 : 1;
    }

    private static (double[] Samples, long Marked) MeasurePipeline(string folder, int scans, int warmUp, bool drain)
    {
        Directory.CreateDirectory(folder);
        using var journal = new SqliteEntryJournal(Path.Combine(folder, "journal.db"), RelayLatency.SiteId, RelayLatency.KioskId);

        // A backlog for the publisher to drain, as after a broker outage.
        RelayLatency.Fill(journal, 20_000);

        using var stop = new CancellationTokenSource();
        long marked = 0;
        var drainer = drain ? new Thread(() => marked = Drain(journal, stop.Token)) { IsBackground = true, Name = "bench-drain" } : null;
        drainer?.Start();

        var samples = RelayLatency.Measure(journal, scans, warmUp);
        stop.Cancel();
        drainer?.Join();
        return (samples, marked);
    }

    /// <summary>
    /// The publisher's journal side, flat out: read a batch of unsent events, mark it sent; when the outbox is empty,
    /// requeue the backlog (central asking for it again) so the drain lasts the whole phase.
    /// </summary>
    private static long Drain(SqliteEntryJournal journal, CancellationToken stop)
    {
        long marked = 0;
        long after = 0;
        while (!stop.IsCancellationRequested)
        {
            var batch = journal.ReadUnsent(after, 100);
            if (batch.Count == 0)
            {
                // Central asks for the backlog again; the publisher requeues a resend in chunks, as here.
                for (long from = 1; from <= 20_000 && !stop.IsCancellationRequested; from += Mqtt.MqttEntryPublisher.ResendChunk)
                {
                    journal.Requeue(from, Math.Min(20_000, from + Mqtt.MqttEntryPublisher.ResendChunk - 1));
                }

                after = 0;
                continue;
            }

            journal.MarkSent([.. batch.Select(e => e.Seq)]);
            after = batch[^1].Seq;
            marked += batch.Count;
        }

        return marked;
    }

    private static double[] MeasureFsync(string path, int count, int warmUp)
    {
        var block = new byte[512];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var samples = new double[count];
        for (var i = 0; i < count + warmUp; i++)
        {
            var start = Stopwatch.GetTimestamp();
            file.Write(block);
            file.Flush(flushToDisk: true);
            if (i >= warmUp)
            {
                samples[i - warmUp] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return samples;
    }

    /// <summary>Rewrites blocks inside a preallocated file and fdatasyncs, as SQLite does when it reuses its WAL.</summary>
    private static double[] MeasureOverwriteFdatasync(string path, int count, int warmUp)
    {
        var block = new byte[4096];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        file.SetLength(4 << 20);
        file.Flush(flushToDisk: true);
        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        var samples = new double[count];
        for (var i = 0; i < count + warmUp; i++)
        {
            var start = Stopwatch.GetTimestamp();
            RandomAccess.Write(file.SafeFileHandle, block, (i % 1024) * 4096L);
            if (NativeMethods.fdatasync(fd) != 0)
            {
                throw new IOException("fdatasync failed");
            }

            if (i >= warmUp)
            {
                samples[i - warmUp] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return samples;
    }

    private static string Describe(double[] samples) => RelayLatency.Describe(samples);

    private static double Percentile(double[] samples, double p) => RelayLatency.Percentile(samples, p);
}

internal static partial class NativeMethods
{
    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
#pragma warning disable CA1401, SA1300 // libc's own name.
    internal static partial int fdatasync(int fd);
#pragma warning restore CA1401, SA1300
}
