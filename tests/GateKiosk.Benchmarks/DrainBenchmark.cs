using System.Diagnostics;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using GateKiosk.Mqtt;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Benchmarks;

/// <summary>
/// A buffered journal drained to a real Mosquitto at QoS 1, three ways against <c>mosquitto_pub -q 1 -l</c> on the same
/// broker in the same run: the kiosk's batched drain against the peer sending one event per message (what each does
/// with a backlog by default), the batched drain against the peer sending the kiosk's own batches as lines (the same
/// messages, byte for byte), and the kiosk sending one event per message against the peer doing the same. Then the
/// kiosk process's memory with a million unsent events. Every target missed makes the run fail, naming it.
/// </summary>
internal sealed class DrainBenchmark : IBenchmark
{
    private const string Site = "bench";
    private const string Kiosk = "gate-1";

    /// <summary>
    /// The publisher reads <c>MaxInFlight × 128</c> unsent rows at a time and packs each read into messages
    /// (<see cref="OutboxMessage.Pack"/>); the peer's batches are cut the same way, and each drain checks its reads were.
    /// </summary>
    private const int RowsPerInFlightSlot = 128;

    // Targets. Batched drain ≥ 1.0 × the peer's one event per message: a backlog must leave at least as fast as the
    // standard client can send it event by event, or batching is not paying for itself. Batched drain ≥ 1.0 × the
    // peer sending the same batches: the bytes on the wire are identical, so the kiosk's client and journal work
    // (reading rows, marking them sent durably) must keep up with a C client that does no journal work at all.
    // One event per message ≥ 0.8 × the peer doing the same: the same messages on the wire, client against client,
    // with the kiosk also reading its journal (a query per few events here) and marking rows sent, which the peer
    // does not do; that work may cost up to a quarter more time, not more.
    private const double BatchedVsSinglesTarget = 1.0;
    private const double BatchedVsBatchesTarget = 1.0;
    private const double SinglesVsSinglesTarget = 0.8;
    private const double MemoryTargetMb = 60;

    public string Name => "drain";

    public string Description => "100,000 buffered events drained at QoS 1, batched and one per message, vs mosquitto_pub -q 1 -l; kiosk memory with 1,000,000 unsent";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var events = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var bigBacklog = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        if (!Mosquitto.IsInstalled || !File.Exists("/usr/bin/mosquitto_pub"))
        {
            await output.WriteLineAsync("mosquitto and mosquitto-clients are needed (apt-get install mosquitto mosquitto-clients)");
            return 2;
        }

        var folder = Path.Combine(Environment.CurrentDirectory, "artifacts", "bench-drain");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var targets = new TargetVerdict();
        var window = new MqttOptions().MaxInFlight;
        await using (var broker = await Mosquitto.StartAsync())
        {
            await WarmUpAsync(folder, broker.Port, Math.Min(events, 5_000), output);
            var rounds = new List<Round>();
            for (var round = 1; round <= 2; round++)
            {
                rounds.Add(await RunRoundAsync(round, folder, broker, events, window, output));
            }

            Compare(targets, rounds, "batched drain", r => r.Batched, "mosquitto_pub one event per message", r => r.PeerSingles, BatchedVsSinglesTarget, output);
            Compare(targets, rounds, "batched drain", r => r.Batched, "mosquitto_pub the same batches", r => r.PeerBatches, BatchedVsBatchesTarget, output);
            Compare(targets, rounds, "one event per message", r => r.Singles, "mosquitto_pub one event per message", r => r.PeerSingles, SinglesVsSinglesTarget, output);
        }

        if (bigBacklog > 0)
        {
            await MeasureMemoryAsync(folder, bigBacklog, targets, output);
        }
        else
        {
            await output.WriteLineAsync("memory: not measured (BACKLOG 0); the memory target is not checked in this run");
        }

        Directory.Delete(folder, recursive: true);
        return await targets.ReportAsync(output);
    }

    /// <summary>
    /// Drains a small journal both ways, untimed, so the rounds compare a warm kiosk (a kiosk drains a backlog in a
    /// process that has been running, with its code compiled) with <c>mosquitto_pub</c>, which is native code.
    /// </summary>
    private static async Task WarmUpAsync(string folder, int port, int events, TextWriter output)
    {
        var template = Path.Combine(folder, "warm-up.db");
        Fill(template, events, keep: false);
        var batched = await DrainAsync(template, Path.Combine(folder, "warm-up-batched.db"), port, events, maxRowsPerRead: null);
        var singles = await DrainAsync(template, Path.Combine(folder, "warm-up-singles.db"), port, events, maxRowsPerRead: OutboxMessage.BatchThreshold - 1);
        await output.WriteLineAsync($"warm-up (not counted): {events:N0} events drained batched in {batched.Run.Elapsed.TotalSeconds:F2} s, one per message in {singles.Run.Elapsed.TotalSeconds:F2} s");
        foreach (var file in Directory.EnumerateFiles(folder, "warm-up*"))
        {
            File.Delete(file);
        }
    }

    /// <summary>One send of the events: how long, how many MQTT messages and bytes of payload, and the kiosk's journal time.</summary>
    private sealed record Run(TimeSpan Elapsed, int Messages, long Bytes, TimeSpan Reading = default, TimeSpan Marking = default)
    {
        public double Rate(int events) => events / Elapsed.TotalSeconds;
    }

    private sealed record Round(int Events, Run Batched, Run Singles, Run PeerSingles, Run PeerBatches);

    /// <summary>
    /// One round: a journal of <paramref name="events"/> unsent events, drained by the kiosk batched and one event per
    /// message (each from its own copy), and the same payloads sent by <c>mosquitto_pub -l</c> one event per line and
    /// as the kiosk's batches, one per line. Each send starts on an idle broker; which side goes first alternates.
    /// </summary>
    private static async Task<Round> RunRoundAsync(int round, string folder, Mosquitto broker, int events, int window, TextWriter output)
    {
        var template = Path.Combine(folder, $"round{round}.db");
        var journaled = Fill(template, events, keep: true);
        var singles = journaled.Select(OutboxMessage.Of).ToList();
        var batches = journaled.Chunk(window * RowsPerInFlightSlot).SelectMany(chunk => OutboxMessage.Pack(chunk)).ToList();
        var singlesFile = WriteLines(Path.Combine(folder, $"round{round}.singles"), singles);
        var batchesFile = WriteLines(Path.Combine(folder, $"round{round}.batches"), batches);
        var expectedReads = journaled.Chunk(window * RowsPerInFlightSlot).Select(c => c.Length).ToList();

        var port = broker.Port;
        async Task<Run> Batched()
        {
            var (run, reads, maxInFlight) = await DrainAsync(template, Path.Combine(folder, $"round{round}-batched.db"), port, events, maxRowsPerRead: null);
            if (maxInFlight != window || !reads.SequenceEqual(expectedReads))
            {
                throw new InvalidOperationException(
                    $"the kiosk read its journal in {reads.Count} reads with {maxInFlight} publishes in flight, not {expectedReads.Count} reads of {window * RowsPerInFlightSlot} rows: " +
                    "its batches were not the ones given to mosquitto_pub, so the comparison would not hold (JournalForwarder's read size changed?)");
            }

            return run with { Messages = batches.Count, Bytes = batches.Sum(b => (long)b.Payload.Length) };
        }

        async Task<Run> Singles()
        {
            // The kiosk sends one event per message when fewer than OutboxMessage.BatchThreshold events wait (its live
            // path); handing it fewer rows than that per read makes it drain the whole backlog on that path.
            var (run, reads, _) = await DrainAsync(template, Path.Combine(folder, $"round{round}-singles.db"), port, events, maxRowsPerRead: OutboxMessage.BatchThreshold - 1);
            if (reads.Any(r => r >= OutboxMessage.BatchThreshold))
            {
                throw new InvalidOperationException("the kiosk read more rows at once than it sends one by one: the per-message drain was batched");
            }

            return run with { Messages = singles.Count, Bytes = singles.Sum(b => (long)b.Payload.Length) };
        }

        async Task<Run> Peer(string file, IReadOnlyList<OutboxMessage> messages) =>
            new(await RunMosquittoPubAsync(port, file), messages.Count, messages.Sum(m => (long)m.Payload.Length));

        var peerFirst = round % 2 == 1;
        async Task<(Run Ours, Run Theirs)> PairAsync(Func<Task<Run>> ours, Func<Task<Run>> theirs)
        {
            await WaitForIdleAsync(broker);
            var first = await (peerFirst ? theirs() : ours());
            await WaitForIdleAsync(broker);
            var second = await (peerFirst ? ours() : theirs());
            return peerFirst ? (second, first) : (first, second);
        }

        var (batched, peerBatches) = await PairAsync(Batched, () => Peer(batchesFile, batches));
        var (single, peerSingles) = await PairAsync(Singles, () => Peer(singlesFile, singles));

        await output.WriteLineAsync(
            $"round {round} ({(peerFirst ? "mosquitto_pub first" : "GateKiosk first")}): {events:N0} events of {singles.Average(m => m.Payload.Length):F0} B; " +
            $"{batches.Count:N0} batches of {(double)events / batches.Count:F0} events ({batches.Average(m => m.Payload.Length) / 1024:F1} KiB) on average");
        await WriteRunAsync(output, "GateKiosk batched drain", batched, events);
        await WriteRunAsync(output, "GateKiosk one event per message", single, events);
        await WriteRunAsync(output, "mosquitto_pub -l, one event per line", peerSingles, events);
        await WriteRunAsync(output, "mosquitto_pub -l, the kiosk's batches as lines", peerBatches, events);
        foreach (var file in Directory.EnumerateFiles(folder, $"round{round}*"))
        {
            File.Delete(file);
        }

        return new Round(events, batched, single, peerSingles, peerBatches);
    }

    private static Task WriteRunAsync(TextWriter output, string label, Run run, int events) =>
        output.WriteLineAsync(
            $"  {label,-47} {run.Elapsed.TotalSeconds,6:F2} s = {run.Rate(events),9:N0} events/s, {run.Messages,7:N0} messages" +
            (run.Reading > TimeSpan.Zero ? $" (journal reads {run.Reading.TotalSeconds:F2} s, marking sent {run.Marking.TotalSeconds:F2} s)" : string.Empty));

    /// <summary>Prints one comparison for the round where it came out worse and checks it against its target.</summary>
    private static void Compare(TargetVerdict targets, List<Round> rounds, string ours, Func<Round, Run> ourRun, string peer, Func<Round, Run> peerRun, double target, TextWriter output)
    {
        var worse = rounds.MinBy(r => peerRun(r).Elapsed / ourRun(r).Elapsed)!;
        var ratio = peerRun(worse).Elapsed / ourRun(worse).Elapsed;
        targets.Check(
            $"{ours} ≥ {target:F1} × {peer}",
            ratio >= target,
            $"ratio {ratio:F2} in the worse round: GateKiosk {ourRun(worse).Rate(worse.Events):N0} events/s, mosquitto_pub {peerRun(worse).Rate(worse.Events):N0} events/s");
        output.WriteLine($"{ours} vs {peer}: ratio {ratio:F2} (the worse of {rounds.Count} rounds; target ≥ {target:F1})");
    }

    /// <summary>Writes each message's payload as one line (the payloads are compact JSON: no line breaks).</summary>
    private static string WriteLines(string path, IReadOnlyList<OutboxMessage> messages)
    {
        using var file = File.Create(path);
        foreach (var message in messages)
        {
            if (message.Payload.Span.Contains((byte)'\n'))
            {
                throw new InvalidOperationException("a payload holds a line break; mosquitto_pub -l would split it");
            }

            file.Write(message.Payload.Span);
            file.WriteByte((byte)'\n');
        }

        return path;
    }

    /// <summary>Writes <paramref name="count"/> realistic entry events into a fresh journal; returns them when <paramref name="keep"/>.</summary>
    private static List<JournaledEvent> Fill(string path, int count, bool keep)
    {
        using var journal = new SqliteEntryJournal(path, Site, Kiosk);
        var journaled = new List<JournaledEvent>(keep ? count : 0);
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        for (var done = 0; done < count;)
        {
            var chunk = Math.Min(20_000, count - done);
            var drafts = Enumerable.Range(done, chunk).Select(i => new EventDraft
            {
                Type = EventTypes.Entry,
                Direction = "in",
                OccurredAt = start.AddMilliseconds(i * 800),
                TimeSource = TimeSources.Ntp,
                Decision = i % 7 == 0 ? Decisions.Deny : Decisions.Allow,
                Reason = i % 7 == 0 ? ReasonCodes.NotEnrolled : ReasonCodes.Valid,
                Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", $"E{1000 + (i % 500)}"),
                LatencyUs = 150 + (i % 90),
            }).ToList();
            var appended = journal.AppendRange(drafts);
            if (keep)
            {
                journaled.AddRange(appended);
            }

            done += chunk;
        }

        return journaled;
    }

    /// <summary>Waits (at most 15 s) until the broker has used no CPU for 300 ms.</summary>
    private static async Task WaitForIdleAsync(Mosquitto broker)
    {
        if (broker.ProcessId is not { } pid)
        {
            return;
        }

        static long CpuTicks(int pid)
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }

        var clock = Stopwatch.StartNew();
        var last = CpuTicks(pid);
        var quiet = 0;
        while (quiet < 3 && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
            var now = CpuTicks(pid);
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    /// <summary>
    /// Drains a copy of the journal <paramref name="template"/> with the kiosk's publisher; returns the time, the rows of
    /// each read the publisher made and the publishes it kept in flight.
    /// </summary>
    private static async Task<(Run Run, IReadOnlyList<int> Reads, int MaxInFlight)> DrainAsync(string template, string journalPath, int port, int expected, int? maxRowsPerRead)
    {
        File.Copy(template, journalPath);
        if (File.Exists(Path.ChangeExtension(template, ".seq")))
        {
            File.Copy(Path.ChangeExtension(template, ".seq"), Path.ChangeExtension(journalPath, ".seq"));
        }

        using var journal = new SqliteEntryJournal(journalPath, Site, Kiosk);
        var options = new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = "bench-drain-" + Path.GetFileNameWithoutExtension(journalPath) };
        var kiosk = new KioskOptions { SiteId = Site, KioskId = Kiosk };
        var timed = new TimedJournal(journal, maxRowsPerRead);
        using var publisher = new MqttEntryPublisher(timed, Options.Create(options), Options.Create(kiosk), TimeProvider.System, NullLoggerFactory.Instance);
        var clock = Stopwatch.StartNew();
        await publisher.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (journal.ReadUnsent(0, 1).Count > 0)
        {
            await Task.Delay(2, timeout.Token);
        }

        var elapsed = clock.Elapsed;
        var maxInFlight = publisher.MaxInFlight;
        await publisher.StopAsync(CancellationToken.None);
        if (journal.GetStats() is var stats && (stats.Unsent != 0 || stats.LastSeq != expected))
        {
            throw new InvalidOperationException("the journal did not drain completely");
        }

        return (new Run(elapsed, 0, 0, timed.Reading, timed.Marking), timed.ReadSizes, maxInFlight);
    }

    private static async Task<TimeSpan> RunMosquittoPubAsync(int port, string payloadFile)
    {
        var info = new ProcessStartInfo("/usr/bin/mosquitto_pub") { RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", Topics.Events(Site, "peer"), "-l" })
        {
            info.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        await using (var input = File.OpenRead(payloadFile))
        {
            await input.CopyToAsync(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("mosquitto_pub failed: " + await process.StandardError.ReadToEndAsync());
        }

        return elapsed;
    }

    /// <summary>
    /// The kiosk's memory over a journal of <paramref name="count"/> unsent events, for the native build the kiosk ships
    /// as (the target applies to it) and, for comparison, the framework-dependent build run by <c>dotnet</c>.
    /// </summary>
    private static async Task MeasureMemoryAsync(string folder, int count, TargetVerdict targets, TextWriter output)
    {
        var template = Path.Combine(folder, "million.db");
        var clock = Stopwatch.StartNew();
        Fill(template, count, keep: false);
        await output.WriteLineAsync($"memory: wrote {count:N0} unsent events in {clock.Elapsed.TotalSeconds:F1} s ({new FileInfo(template).Length / 1048576.0:F0} MB on disk)");

        var target = $"native kiosk RSS < {MemoryTargetMb:F0} MB with {count:N0} unsent events, broker down";
        var native = KioskExecutable.Native;
        if (native is not null)
        {
            await output.WriteLineAsync($"memory: using the native kiosk the test command published ({native})");
        }
        else
        {
            native = await PublishNativeKioskAsync(Path.Combine(folder, "native"), output);
        }

        if (native is not null)
        {
            var (_, max) = await MeasureKioskAsync("native", native, [], template, Path.Combine(folder, "kiosk-native"), count, output);
            targets.Check(target, max < MemoryTargetMb, $"max {max:F1} MB over 10 s");
        }
        else
        {
            targets.NotMeasured(target, "the native kiosk could not be built here");
        }

        await MeasureKioskAsync("dotnet", "dotnet", [Path.Combine(AppContext.BaseDirectory, "gatekiosk.dll")], template, Path.Combine(folder, "kiosk-dotnet"), count, output);
    }

    /// <summary>Publishes the kiosk as a native executable (as deploy/README.md builds it); null when that cannot be done here.</summary>
    private static async Task<string?> PublishNativeKioskAsync(string outputFolder, TextWriter output)
    {
        var rid = "linux-" + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        await output.WriteLineAsync($"memory: publishing the native kiosk ({rid}, about a minute)…");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", Path.Combine(RepoPaths.Root, "src", "GateKiosk", "GateKiosk.csproj"), "-c", "Release", "-r", rid, "-p:PublishAot=true", "-o", outputFolder })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await output.WriteLineAsync("memory: publishing the native kiosk took more than 10 minutes; measuring the dotnet build only.");
            return null;
        }

        var executable = Path.Combine(outputFolder, "gatekiosk");
        if (process.ExitCode == 0 && File.Exists(executable))
        {
            return executable;
        }

        var log = (await stdout + await stderr).Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(5);
        await output.WriteLineAsync("memory: the native kiosk could not be built here (it needs clang: apt-get install clang); measuring the dotnet build only." +
            string.Concat(log.Select(l => Environment.NewLine + "  " + l.Trim())));
        return null;
    }

    /// <summary>Runs one build of the real kiosk process over a copy of <paramref name="template"/> and samples its RSS, offline and then draining.</summary>
    private static async Task<(double Min, double Max)> MeasureKioskAsync(string label, string fileName, string[] leading, string template, string data, int count, TextWriter output)
    {
        Directory.CreateDirectory(data);
        File.Copy(template, Path.Combine(data, "journal.db"), overwrite: true);
        var port = Mosquitto.FreePort();
        var info = new ProcessStartInfo(fileName) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in leading.Concat(
        [
            "run", $"--Kiosk:SiteId={Site}", $"--Kiosk:KioskId={Kiosk}", $"--Kiosk:DataDirectory={data}",
            "--Gpio:Driver=Simulated", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={port}", "--Mqtt:ReconnectMaxDelay=00:00:01", "--Logging:LogLevel:Default=Warning",
        ]))
        {
            info.ArgumentList.Add(a);
        }

        using var kiosk = Process.Start(info)!;
        kiosk.OutputDataReceived += (_, _) => { };
        kiosk.ErrorDataReceived += (_, _) => { };
        kiosk.BeginOutputReadLine();
        kiosk.BeginErrorReadLine();
        try
        {
            var offline = await SampleRssAsync(kiosk.Id, TimeSpan.FromSeconds(10));
            await output.WriteLineAsync($"memory ({label}): kiosk with {count:N0} unsent events, broker down, 10 s: RSS min {offline.Min:F1} MB, max {offline.Max:F1} MB; " +
                $"of which private {Rollup(kiosk.Id, "Private_Clean:") + Rollup(kiosk.Id, "Private_Dirty:"):F1} MB, PSS {Rollup(kiosk.Id, "Pss:"):F1} MB");

            await using var broker = await Mosquitto.StartAsync(port: port);
            var drainClock = Stopwatch.StartNew();
            var peak = 0.0;
            var low = double.MaxValue;
            while (SqliteEntryJournal.ReadStats(Path.Combine(data, "journal.db")).Unsent > 0 && drainClock.Elapsed < TimeSpan.FromMinutes(5))
            {
                var rss = Rss(kiosk.Id);
                (peak, low) = (Math.Max(peak, rss), Math.Min(low, rss));
                await Task.Delay(250);
            }

            await output.WriteLineAsync($"memory ({label}): the kiosk drained {count:N0} events in {drainClock.Elapsed.TotalSeconds:F1} s ({count / drainClock.Elapsed.TotalSeconds:N0}/s); RSS while draining min {low:F1} MB, max {peak:F1} MB");
            return offline;
        }
        finally
        {
            kiosk.Kill(entireProcessTree: true);
            await kiosk.WaitForExitAsync();
        }
    }

    private static async Task<(double Min, double Max)> SampleRssAsync(int pid, TimeSpan duration)
    {
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await Task.Delay(250);
            samples.Add(Rss(pid));
        }

        return (samples.Skip(4).Min(), samples.Skip(4).Max());
    }

    private static double Rollup(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/smaps_rollup").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

    private static double Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
