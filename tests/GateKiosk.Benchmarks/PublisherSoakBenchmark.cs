using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Mqtt;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Benchmarks;

/// <summary>
/// An idle, connected publisher running its pass many times with a zero wake interval (each pass is what one idle
/// second costs a kiosk), managed heap after a full GC before and after, next to the old pattern in the same run:
/// the same number of waits on the append signal and the session token that nobody cancels.
/// </summary>
internal sealed class PublisherSoakBenchmark : IBenchmark
{
    private const double TargetGrowthMb = 1.0;

    public string Name => "publisher-soak";

    public string Description => "idle publisher passes: managed heap growth vs a loop that leaves its append waits pending";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var passes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        if (!Mosquitto.IsInstalled)
        {
            await output.WriteLineAsync(Mosquitto.NotInstalled);
            return 2;
        }

        await using var broker = await Mosquitto.StartAsync();
        var journal = new FakeEntryJournal();

        // Fake time parks the publisher's own loop in its wait; the passes below are the ones measured.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var publisher = new MqttEntryPublisher(journal, Options.Create(new MqttOptions { Host = "127.0.0.1", Port = broker.Port }), Options.Create(new KioskOptions { SiteId = "bench", KioskId = "gate-1" }), time, NullLoggerFactory.Instance);
        await publisher.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!publisher.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        if (!publisher.IsConnected)
        {
            await output.WriteLineAsync("the publisher did not connect to the broker");
            return 2;
        }

        using var session = new CancellationTokenSource();
        var before = Heap();
        var started = DateTime.UtcNow;
        for (var i = 0; i < passes; i++)
        {
            if (!await publisher.RunPassAsync(TimeSpan.Zero, session.Token))
            {
                await output.WriteLineAsync($"pass {i} stalled");
                return 2;
            }
        }

        var elapsed = DateTime.UtcNow - started;
        var after = Heap();
        await publisher.StopAsync(CancellationToken.None);

        var peer = MeasureUncancelledWaits(passes);
        var ours = (after - before) / 1e6;
        await output.WriteLineAsync($"publisher: {passes:N0} idle passes in {elapsed.TotalSeconds:F1} s, heap {before / 1e6:F2} MB → {after / 1e6:F2} MB (growth {ours:F3} MB)");
        await output.WriteLineAsync($"peer (waits left pending, the old pass): heap growth {peer:F3} MB over {passes:N0} waits ({peer * 1e6 / passes:F0} bytes a pass)");
        await output.WriteLineAsync($"ratio publisher/peer growth: {(peer > 0 ? ours / peer : 0):F4}");
        var met = ours < TargetGrowthMb;
        await output.WriteLineAsync($"target heap growth < {TargetGrowthMb} MB: {(met ? "met" : "missed")} ({ours:F3} MB)");
        return met ? 0 : 1;
    }

    /// <summary>What the pass did before: a wait on the append signal with the session token, never cancelled.</summary>
    private static double MeasureUncancelledWaits(int passes)
    {
        var signal = new AppendSignal();
        using var session = new CancellationTokenSource();
        var before = Heap();
        var waits = 0L;
        for (var i = 0; i < passes; i++)
        {
            var appended = signal.WaitAsync(session.Token);
            waits += Task.WhenAny(appended, Task.CompletedTask).IsCompleted ? 1 : 0;
        }

        var after = Heap();
        GC.KeepAlive(signal);
        return waits == passes ? (after - before) / 1e6 : double.NaN;
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
