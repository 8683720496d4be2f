using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Core.Signalling;
using GateKiosk.Hosting;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Hosting;

/// <summary>
/// The watchdog pings go to a socket the test reads, as systemd's <c>NOTIFY_SOCKET</c>: <c>WATCHDOG=1</c> while the
/// kiosk is alive, none while a scan hangs in the pipeline, the scan loop is gone or the journal fails.
/// </summary>
public sealed class SystemdWatchdogTests : IDisposable
{
    private static readonly TimeSpan Receive = TimeSpan.FromSeconds(30);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "gk-notify-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Socket _systemd = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));

    public SystemdWatchdogTests() => _systemd.Bind(new UnixDomainSocketEndPoint(_path));

    public void Dispose()
    {
        _systemd.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public void FromEnvironment_NotifySocketAndInterval_OnlyForThisProcess()
    {
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = _path, ["WATCHDOG_USEC"] = "30000000" };

        using var socket = SystemdNotifySocket.FromEnvironment(k => env.GetValueOrDefault(k), 42);
        env["WATCHDOG_PID"] = "41";
        using var other = SystemdNotifySocket.FromEnvironment(k => env.GetValueOrDefault(k), 42);
        env.Remove("WATCHDOG_PID");
        env.Remove("WATCHDOG_USEC");
        using var noWatchdog = SystemdNotifySocket.FromEnvironment(k => env.GetValueOrDefault(k), 42);

        Assert.Equal(TimeSpan.FromSeconds(30), socket!.WatchdogTimeout);
        Assert.Null(other);
        Assert.Null(noWatchdog);
    }

    [Fact]
    public void PingIfAlive_EachFailure_NoPingUntilItClears()
    {
        var journal = new ThrowingJournal();
        var liveness = new KioskLiveness(journal, _time);
        using var socket = new SystemdNotifySocket(_path, TimeSpan.FromSeconds(30));
        using var watchdog = new SystemdWatchdog(liveness, socket, _time, NullLogger<SystemdWatchdog>.Instance);

        Assert.False(watchdog.PingIfAlive().Alive);                 // the scan loop has not started
        Assert.StartsWith("STATUS=the scan loop is not running", Next(), StringComparison.Ordinal);
        liveness.ScanLoopStarted();
        Assert.True(watchdog.PingIfAlive().Alive);
        Assert.Equal("WATCHDOG=1", Next());

        liveness.ScanStarted();
        _time.Advance(KioskLiveness.MaxScanTime);
        Assert.True(watchdog.PingIfAlive().Alive);                  // a slow scan, not yet a hung one
        Assert.Equal("WATCHDOG=1", Next());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(watchdog.PingIfAlive().Alive);
        Assert.Equal("STATUS=a scan has been in the pipeline for more than 10 s", Next());
        liveness.ScanFinished();

        journal.Broken = true;
        Assert.False(watchdog.PingIfAlive().Alive);
        Assert.Equal("STATUS=the journal does not answer: disk I/O error", Next());
        Assert.False(watchdog.PingIfAlive().Alive);                 // the same problem is reported once
        journal.Broken = false;
        Assert.True(watchdog.PingIfAlive().Alive);
        Assert.Equal("WATCHDOG=1", Next());

        liveness.ScanLoopStopped();
        Assert.False(watchdog.PingIfAlive().Alive);
        Assert.Equal("STATUS=the scan loop is not running", Next());
        Assert.Equal(0, _systemd.Available);
    }

    [Fact(Timeout = 120_000)]
    public async Task Running_ScanHangsInThePipeline_PingsStopAndResumeWhenItReturns()
    {
        // Real time, scaled down: a ping every 50 ms, a scan hung after 300 ms.
        var time = TimeProvider.System;
        var journal = new FakeEntryJournal();
        var signal = new BlockingGateSignal();
        var source = new ChannelScanSource();
        var pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(new BadgeOptions()))]),
            new AccessDecider(Options.Create(new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" })),
            journal,
            signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            time,
            NullLogger<GatePipeline>.Instance);
        var liveness = new KioskLiveness(journal, time, TimeSpan.FromMilliseconds(300));
        using var worker = new ScanWorker(source, new ScannerHealthTracker("test", time), pipeline, journal, liveness, NullLogger<ScanWorker>.Instance);
        using var socket = new SystemdNotifySocket(_path, TimeSpan.FromMilliseconds(100));
        using var watchdog = new SystemdWatchdog(liveness, socket, time, NullLogger<SystemdWatchdog>.Instance);
        await worker.StartAsync(CancellationToken.None);
        await watchdog.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal("WATCHDOG=1", await NextAsync());
            Assert.Equal("WATCHDOG=1", await NextAsync());

            await source.Scans.Writer.WriteAsync(new RawScan("BADGE-1", time.GetTimestamp(), "test"));
            Assert.True(await signal.Entered.WaitAsync(Receive), "the scan reaches the door");

            // Pings go on for a slow scan, then stop with the reason once it counts as hung.
            string next;
            while ((next = await NextAsync()) == "WATCHDOG=1")
            {
            }

            Assert.Equal("STATUS=a scan has been in the pipeline for more than 0.3 s", next);
            // While it hangs, the watchdog checks twenty times or more and sends nothing: no ping, the same reason once.
            Assert.Empty(await ReceiveForAsync(TimeSpan.FromSeconds(1)));

            signal.Release.Release();
            Assert.Equal("WATCHDOG=1", await NextAsync());
        }
        finally
        {
            signal.Release.Release();
            await watchdog.StopAsync(CancellationToken.None);
            await worker.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Every notification received during <paramref name="period"/>.</summary>
    private async Task<List<string>> ReceiveForAsync(TimeSpan period)
    {
        var received = new List<string>();
        using var cts = new CancellationTokenSource(period);
        var buffer = new byte[512];
        try
        {
            while (true)
            {
                var length = await _systemd.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                received.Add(Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (OperationCanceledException)
        {
            return received;
        }
    }

    private string Next()
    {
        Assert.True(_systemd.Available > 0, "a notification was sent");
        var buffer = new byte[512];
        var length = _systemd.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private async Task<string> NextAsync()
    {
        var buffer = new byte[512];
        using var cts = new CancellationTokenSource(Receive);
        var length = await _systemd.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private sealed class ChannelScanSource : IScanSource
    {
        public Channel<RawScan> Scans { get; } = Channel.CreateUnbounded<RawScan>();

        public string Name => "test";

        public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var scan in Scans.Reader.ReadAllAsync(cancellationToken))
            {
                yield return scan;
            }
        }
    }

    /// <summary>A door whose driver hangs on the first signal until released.</summary>
    private sealed class BlockingGateSignal : IGateSignal
    {
        public SemaphoreSlim Entered { get; } = new(0);

        public SemaphoreSlim Release { get; } = new(0);

        public void SetSafeState()
        {
        }

        public void Signal(GateDecision decision)
        {
            Entered.Release();
            Release.Wait();
        }
    }

    /// <summary>A journal whose statistics fail while <see cref="Broken"/>.</summary>
    private sealed class ThrowingJournal : IEntryJournal
    {
        private readonly FakeEntryJournal _inner = new();

        public bool Broken { get; set; }

        public JournalStats GetStats() => Broken ? throw new IOException("disk I/O error") : _inner.GetStats();

        public JournaledEvent Append(EventDraft draft) => _inner.Append(draft);

        public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max) => _inner.ReadUnsent(afterSeq, max);

        public void MarkSent(IReadOnlyList<long> seqs) => _inner.MarkSent(seqs);

        public void SetAside(IReadOnlyList<long> seqs) => _inner.SetAside(seqs);

        public int Requeue(long fromSeq, long toSeq) => _inner.Requeue(fromSeq, toSeq);

        public int RequeueSetAside() => _inner.RequeueSetAside();

        public Task WaitForAppendAsync(CancellationToken cancellationToken) => _inner.WaitForAppendAsync(cancellationToken);
    }
}
