using System.Diagnostics;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Mqtt;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Benchmarks;

/// <summary>
/// A buffered journal drained to a real Mosquitto at QoS 1, next to <c>mosquitto_pub -q 1 -l</c> sending the same
/// payloads to the same broker in the same run; then the kiosk process's memory with a million unsent events.
/// </summary>
internal sealed class DrainBenchmark : IBenchmark
{
    private const string Site = "bench";
    private const string Kiosk = "gate-1";

    public string Name => "drain";

    public string Description => "100,000 buffered events drained at QoS 1 vs mosquitto_pub -q 1 -l; kiosk memory with 1,000,000 unsent";

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
        await using var broker = await Mosquitto.StartAsync();

        var rounds = new List<(double Ours, double Peer)>();
        for (var round = 1; round <= 2; round++)
        {
            var journalPath = Path.Combine(folder, $"round{round}.db");
            var payloads = Fill(journalPath, events);
            var payloadFile = Path.Combine(folder, $"round{round}.lines");
            await File.WriteAllLinesAsync(payloadFile, payloads);

            // A burst leaves the broker busy for a while after the last PUBACK; each side starts on an idle broker,
            // and the order alternates between rounds.
            TimeSpan peer;
            (TimeSpan Elapsed, TimeSpan Reading, TimeSpan Marking) drained;
            if (round % 2 == 1)
            {
                await WaitForIdleAsync(broker);
                peer = await RunMosquittoPubAsync(broker.Port, payloadFile);
                await WaitForIdleAsync(broker);
                drained = await DrainAsync(journalPath, broker.Port, events);
            }
            else
            {
                await WaitForIdleAsync(broker);
                drained = await DrainAsync(journalPath, broker.Port, events);
                await WaitForIdleAsync(broker);
                peer = await RunMosquittoPubAsync(broker.Port, payloadFile);
            }

            var (ours, reading, marking) = drained;
            rounds.Add((events / ours.TotalSeconds, events / peer.TotalSeconds));
            await output.WriteLineAsync(
                $"round {round}: GateKiosk drained {events:N0} events ({payloads.Average(p => p.Length):F0} B each) in {ours.TotalSeconds:F2} s = {events / ours.TotalSeconds:N0}/s " +
                $"(journal reads {reading.TotalSeconds:F2} s, marking sent {marking.TotalSeconds:F2} s); " +
                $"mosquitto_pub -q 1 -l sent the same in {peer.TotalSeconds:F2} s = {events / peer.TotalSeconds:N0}/s; ratio {peer.TotalSeconds / ours.TotalSeconds:F2}");
        }

        var worse = rounds.MinBy(r => r.Ours / r.Peer);
        await output.WriteLineAsync($"drain rate (the round with the lower ratio): GateKiosk {worse.Ours:N0} events/s, mosquitto_pub {worse.Peer:N0} msg/s, ratio {worse.Ours / worse.Peer:F2} (target ≥ 1.0: {(worse.Ours >= worse.Peer ? "met" : "missed")})");

        await MeasureMemoryAsync(folder, bigBacklog, output);
        Directory.Delete(folder, recursive: true);
        return 0;
    }

    /// <summary>Writes <paramref name="count"/> realistic entry events into a fresh journal; returns their payloads.</summary>
    private static List<string> Fill(string path, int count)
    {
        using var journal = new SqliteEntryJournal(path, Site, Kiosk);
        var payloads = new List<string>(count);
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
            payloads.AddRange(journal.AppendRange(drafts).Select(e => System.Text.Encoding.UTF8.GetString(e.Payload.Span)));
            done += chunk;
        }

        return payloads;
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

    private static async Task<(TimeSpan Elapsed, TimeSpan Reading, TimeSpan Marking)> DrainAsync(string journalPath, int port, int expected)
    {
        using var journal = new SqliteEntryJournal(journalPath, Site, Kiosk);
        var options = new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = "bench-drain-" + Path.GetFileNameWithoutExtension(journalPath) };
        var kiosk = new KioskOptions { SiteId = Site, KioskId = Kiosk };
        var timed = new TimedJournal(journal);
        using var publisher = new MqttEntryPublisher(timed, Options.Create(options), Options.Create(kiosk), TimeProvider.System, NullLoggerFactory.Instance);
        var clock = Stopwatch.StartNew();
        await publisher.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (journal.ReadUnsent(0, 1).Count > 0)
        {
            await Task.Delay(2, timeout.Token);
        }

        var elapsed = clock.Elapsed;
        await publisher.StopAsync(CancellationToken.None);
        if (journal.GetStats() is var stats && (stats.Unsent != 0 || stats.LastSeq != expected))
        {
            throw new InvalidOperationException("the journal did not drain completely");
        }

        return (elapsed, timed.Reading, timed.Marking);
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
    /// as and, for comparison, the framework-dependent build run by <c>dotnet</c>.
    /// </summary>
    private static async Task MeasureMemoryAsync(string folder, int count, TextWriter output)
    {
        var template = Path.Combine(folder, "million.db");
        var clock = Stopwatch.StartNew();
        Fill(template, count);
        await output.WriteLineAsync($"memory: wrote {count:N0} unsent events in {clock.Elapsed.TotalSeconds:F1} s ({new FileInfo(template).Length / 1048576.0:F0} MB on disk)");

        if (await PublishNativeKioskAsync(Path.Combine(folder, "native"), output) is { } native)
        {
            await MeasureKioskAsync("native", native, [], template, Path.Combine(folder, "kiosk-native"), count, output);
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
    private static async Task MeasureKioskAsync(string label, string fileName, string[] leading, string template, string data, int count, TextWriter output)
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
            await output.WriteLineAsync($"memory ({label}): kiosk with {count:N0} unsent events, broker down, 10 s: RSS min {offline.Min:F1} MB, max {offline.Max:F1} MB (target < 60 MB flat: {(offline.Max < 60 ? "met" : "missed")}); " +
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
