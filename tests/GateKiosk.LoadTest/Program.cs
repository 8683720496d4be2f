using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace GateKiosk.LoadTest;

/// <summary>The load generator: <c>gatekiosk-loadtest [options]</c> (see <see cref="LoadOptions.Usage"/>).</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["-h" or "--help" or "help"])
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        var options = LoadOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"{error}{Environment.NewLine}{LoadOptions.Usage}");
            return 2;
        }

        // One socket per kiosk, plus the subscriber, the HTTP connections and the runtime's own files.
        if (FileLimit.Ensure((ulong)options.Kiosks + 512) is { } limit)
        {
            await Console.Error.WriteLineAsync("loadtest: " + limit);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return await new LoadRun(options, TimeProvider.System, Console.Out).RunAsync(stop.Token);
    }
}

/// <summary>One run: connect the kiosks, publish their chains, follow central's store and the plain subscriber, report.</summary>
internal sealed class LoadRun(LoadOptions options, TimeProvider time, TextWriter output)
{
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly List<TimeSpan> _sampleLatencies = [];
    private readonly List<TimeSpan> _kiosksDuringIngest = [];
    private readonly List<(long At, long Events)> _stored = [];
    private long _published;

    private sealed record Sample(string Site, string Kiosk, Guid EventId, DateTimeOffset OccurredAt, long PublishedAt);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.CancelAfter(options.Duration);
        var prefix = "lt" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)) + "-";
        var kiosks = CreateKiosks(prefix);
        using var central = new CentralProbe(options.Central, options.Token, prefix, time);
        using var plain = new PlainSubscriber(prefix, time);
        var total = options.Events;
        Say($"loadtest {prefix.TrimEnd('-')}: {options.Kiosks:N0} kiosks on {(options.Kiosks + options.KiosksPerSite - 1) / options.KiosksPerSite:N0} sites, "
            + $"{total:N0} events, broker {options.Host}:{options.Port}, central {options.Central}, cap {options.Duration}");
        try
        {
            try
            {
                await central.GetKiosksAsync(run.Token);
            }
            catch (HttpRequestException ex)
            {
                Say($"central does not answer GET /api/kiosks at {options.Central}: {ex.Message}");
                return 2;
            }

            await plain.StartAsync(options.Host, options.Port, run.Token);
            var connectStarted = time.GetTimestamp();
            await ConnectAllAsync(kiosks, run.Token);
            Say($"connected {kiosks.Count:N0} kiosks (retained 'online' status each) in {time.GetElapsedTime(connectStarted).TotalSeconds:0.0} s");

            var t0 = time.GetTimestamp();
            using var following = CancellationTokenSource.CreateLinkedTokenSource(run.Token);
            var monitor = FollowStoreAsync(central, total, t0, following.Token);
            var sampler = FollowSamplesAsync(central, following.Token);
            await PublishAllAsync(kiosks, run.Token);
            var publishTime = time.GetElapsedTime(t0);
            Say($"published {total:N0} events in {publishTime.TotalSeconds:0.0} s ({Percentile.Rate(total / publishTime.TotalSeconds)}, PUBACK awaited)");

            var allStoredAt = await monitor;
            await sampler;
            await WaitForPlainAsync(plain, total, run.Token);
            return await ReportAsync(central, plain, total, t0, allStoredAt, run.Token);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var last = _stored.Count > 0 ? _stored[^1].Events : 0;
            Say($"MISSED: the run hit its cap of {options.Duration} with {Interlocked.Read(ref _published):N0} of {total:N0} published, "
                + $"{last:N0} stored and {plain.Received:N0} at the plain subscriber.");
            return 1;
        }
        finally
        {
            await plain.StopAsync();
            await DisconnectAllAsync(kiosks);
        }
    }

    private List<SimulatedKiosk> CreateKiosks(string prefix)
    {
        var each = options.Events / options.Kiosks;
        var extra = options.Events % options.Kiosks;
        var list = new List<SimulatedKiosk>(options.Kiosks);
        for (var i = 0; i < options.Kiosks; i++)
        {
            var site = string.Create(CultureInfo.InvariantCulture, $"{prefix}s{i / options.KiosksPerSite}");
            var kiosk = string.Create(CultureInfo.InvariantCulture, $"k{i}");
            list.Add(new SimulatedKiosk(site, kiosk, each + (i < extra ? 1 : 0), time));
        }

        return list;
    }

    private async Task ConnectAllAsync(List<SimulatedKiosk> kiosks, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(options.ConnectConcurrency);
        await Task.WhenAll(kiosks.Select(async k =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await k.ConnectAsync(options.Host, options.Port, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private async Task PublishAllAsync(List<SimulatedKiosk> kiosks, CancellationToken cancellationToken)
    {
        using var inflight = new SemaphoreSlim(options.InFlight);
        await Task.WhenAll(kiosks.Select(async k =>
        {
            // Each kiosk publishes its chain in order, one PUBACK at a time, as the kiosk's publisher does.
            while (k.Sent < k.Events)
            {
                await inflight.WaitAsync(cancellationToken);
                try
                {
                    var publishedAt = time.GetTimestamp();
                    var entry = await k.PublishNextAsync(cancellationToken);
                    if (Interlocked.Increment(ref _published) % options.SampleEvery == 1 % options.SampleEvery)
                    {
                        _samples.Enqueue(new Sample(k.SiteId, k.KioskId, entry.EventId, entry.OccurredAt, publishedAt));
                    }
                }
                finally
                {
                    inflight.Release();
                }
            }
        }));
    }

    /// <summary>Polls <c>GET /api/kiosks</c> until the store holds every event; returns the timestamp when it first did.</summary>
    private async Task<long> FollowStoreAsync(CentralProbe central, long total, long t0, CancellationToken cancellationToken)
    {
        long lastPrinted = 0;
        while (true)
        {
            var snapshot = await central.GetKiosksAsync(cancellationToken);
            var at = time.GetTimestamp();
            lock (_stored)
            {
                _stored.Add((at, snapshot.Events));
                _kiosksDuringIngest.Add(snapshot.Elapsed);
            }

            if (snapshot.Events >= total)
            {
                return at;
            }

            var seconds = (long)time.GetElapsedTime(t0, at).TotalSeconds;
            if (seconds >= lastPrinted + 5)
            {
                lastPrinted = seconds;
                Say($"  t+{seconds} s: published {Interlocked.Read(ref _published):N0}, stored {snapshot.Events:N0}");
            }

            // The probe is a reader of central too: polled too often it would slow a store whose reads and writes
            // share a lock, and the figure would be ours rather than central's.
            await Task.Delay(options.PollInterval, time, cancellationToken);
        }
    }

    /// <summary>Follows the sampled events until each is returned by <c>GET /api/events</c>.</summary>
    private async Task FollowSamplesAsync(CentralProbe central, CancellationToken cancellationToken)
    {
        var pending = new List<Sample>();
        var expected = (options.Events + options.SampleEvery - 1) / options.SampleEvery;
        long seen = 0;
        while (seen < expected)
        {
            while (_samples.TryDequeue(out var s))
            {
                pending.Add(s);
            }

            // The oldest pending sample of each kiosk, oldest first, at most 64 a round: a kiosk's events are stored
            // in the order it sent them, so the later ones cannot be visible before it, and a round stays short.
            var round = pending.GroupBy(s => (s.Site, s.Kiosk)).Select(g => g.First()).OrderBy(s => s.PublishedAt).Take(64).ToList();
            var visible = new ConcurrentBag<Sample>();
            await Parallel.ForEachAsync(
                round,
                new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
                async (s, ct) =>
                {
                    if (await central.IsVisibleAsync(s.Site, s.Kiosk, s.EventId, s.OccurredAt, ct))
                    {
                        var latency = time.GetElapsedTime(s.PublishedAt);
                        lock (_sampleLatencies)
                        {
                            _sampleLatencies.Add(latency);
                        }

                        visible.Add(s);
                    }
                });
            pending.RemoveAll(visible.Contains);
            seen += visible.Count;
            await Task.Delay(options.PollInterval, time, cancellationToken);
        }
    }

    private async Task WaitForPlainAsync(PlainSubscriber plain, long total, CancellationToken cancellationToken)
    {
        // It has had the whole stream long before central has stored it, unless it could not keep up either.
        while (plain.Received < total)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
    }

    private async Task<int> ReportAsync(CentralProbe central, PlainSubscriber plain, long total, long t0, long allStoredAt, CancellationToken cancellationToken)
    {
        var storedTime = time.GetElapsedTime(t0, allStoredAt);
        var plainTime = time.GetElapsedTime(t0, plain.LastAt);
        var storedRate = total / storedTime.TotalSeconds;
        var plainRate = total / plainTime.TotalSeconds;
        var ratio = storedRate / plainRate;
        var missed = new List<string>();

        Say($"stored (central, from GET /api/kiosks): {total:N0} events in {storedTime.TotalSeconds:0.00} s = {Percentile.Rate(storedRate)}"
            + (SustainedRate(total) is { } sustained ? $" (10%→90% of the events: {Percentile.Rate(sustained)})" : ""));
        Say($"plain QoS 1 subscriber (mosquitto_sub -q 1, stores nothing): {plain.Received:N0} messages in {plainTime.TotalSeconds:0.00} s = {Percentile.Rate(plainRate)}");
        Check($"stored/plain ratio {ratio.ToString("0.00", CultureInfo.InvariantCulture)}x", ratio >= options.TargetRatio,
            $"target >= {options.TargetRatio.ToString("0.0#", CultureInfo.InvariantCulture)}x", missed);

        var p50 = Percentile.Of(_sampleLatencies, 50);
        var p99 = Percentile.Of(_sampleLatencies, 99);
        Say($"publish -> visible in GET /api/events over {_sampleLatencies.Count} sampled events: p50 {Percentile.Ms(p50)}, p99 {Percentile.Ms(p99)}, max {Percentile.Ms(Percentile.Of(_sampleLatencies, 100))}");
        Say($"GET /api/kiosks while ingesting ({_kiosksDuringIngest.Count} calls): p50 {Percentile.Ms(Percentile.Of(_kiosksDuringIngest, 50))}, p99 {Percentile.Ms(Percentile.Of(_kiosksDuringIngest, 99))}");

        var held = new List<TimeSpan>(options.KiosksProbes);
        KiosksSnapshot? last = null;
        try
        {
            for (var i = 0; i < options.KiosksProbes; i++)
            {
                last = await central.GetKiosksAsync(cancellationToken);
                held.Add(last.Elapsed);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The figures measured so far still stand; the run is reported as having missed its cap.
            Check($"the run reached its cap of {options.Duration} during the GET /api/kiosks calls ({held.Count} of {options.KiosksProbes} made)",
                false, "finish within --duration", missed);
        }

        var heldP99 = Percentile.Of(held, 99);
        Check($"GET /api/kiosks holding everything ({held.Count} calls): p50 {Percentile.Ms(Percentile.Of(held, 50))}, p99 {Percentile.Ms(heldP99)}",
            held.Count > 0 && heldP99.TotalMilliseconds <= options.KiosksP99Ms, $"target p99 <= {options.KiosksP99Ms} ms", missed);

        if (last is not null)
        {
            var intact = last.Kiosks == options.Kiosks && last.Events == total && last.Missing == 0 && last.ChainBreaks == 0;
            Check($"store: {last.Kiosks:N0} kiosks ({last.Online:N0} online), {last.Events:N0} events, {last.Missing} missing, {last.ChainBreaks} chain breaks",
                intact, "every kiosk and event held, chains intact", missed);
        }

        if (options.CentralPid is { } pid)
        {
            var rss = CentralProbe.ResidentBytes(pid);
            Say(rss is { } bytes
                ? $"central RSS at the end: {bytes / (1024.0 * 1024):0} MiB"
                : $"central RSS: /proc/{pid}/status is not readable");
        }

        Say(missed.Count == 0 ? "all targets met" : $"MISSED: {string.Join("; ", missed)}");
        return missed.Count == 0 ? 0 : 1;
    }

    /// <summary>Events/s stored between the polls that saw 10% and 90% of the events: the rate once the run is under way.</summary>
    private double? SustainedRate(long total)
    {
        var first = _stored.FirstOrDefault(s => s.Events >= total / 10);
        var last = _stored.FirstOrDefault(s => s.Events >= total * 9 / 10);
        if (first == default || last == default || last.At <= first.At)
        {
            return null;
        }

        return (last.Events - first.Events) / time.GetElapsedTime(first.At, last.At).TotalSeconds;
    }

    private static async Task DisconnectAllAsync(List<SimulatedKiosk> kiosks)
    {
        foreach (var chunk in kiosks.Chunk(200))
        {
            await Task.WhenAll(chunk.Select(k => k.DisconnectAsync()));
        }

        foreach (var k in kiosks)
        {
            k.Dispose();
        }
    }

    private void Check(string figure, bool met, string target, List<string> missed)
    {
        Say($"{figure}  [{target}: {(met ? "met" : "MISSED")}]");
        if (!met)
        {
            missed.Add(target);
        }
    }

    private void Say(string line)
    {
        lock (output)
        {
            output.WriteLine(line);
        }
    }
}
