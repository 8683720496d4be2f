using System.Text;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Scanning;
using GateKiosk.Devices.Scanning.Serial;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Devices.Tests.Scanning;

/// <summary>Serial scanners through a real pseudo-terminal pair (needs Debian's socat).</summary>
public sealed class SerialScanSourceTests
{
    [SkippableFact]
    public async Task ReadAsync_BytesThroughPty_DeliversEachCodeWithoutTerminator()
    {
        Skip.IfNot(SocatPtyPair.Available, "socat is not installed (apt-get install socat)");
        await using var pair = await SocatPtyPair.StartAsync();
        var (source, health) = Create(pair.First, SerialTerminator.Any);
        await using var writer = pair.OpenWriter();

        var reading = ScanSourceTesting.TakeAsync(source, 3);
        await WhenConnectedAsync(health);
        await writer.WriteAsync(Encoding.UTF8.GetBytes("HC1:NCFOXN%TS3DH\r\nBADGE-7\rVISITOR ÄÖ 42\n"));

        var scans = await reading;

        Assert.Equal(["HC1:NCFOXN%TS3DH", "BADGE-7", "VISITOR ÄÖ 42"], scans.Select(s => s.Text));
        Assert.Equal(3, health.Current.Reads);
    }

    [SkippableFact]
    public async Task ReadAsync_CrLfTerminatorSplitAcrossWrites_DeliversWholeCode()
    {
        Skip.IfNot(SocatPtyPair.Available, "socat is not installed (apt-get install socat)");
        await using var pair = await SocatPtyPair.StartAsync();
        var (source, health) = Create(pair.First, SerialTerminator.CrLf);
        await using var writer = pair.OpenWriter();

        var reading = ScanSourceTesting.TakeAsync(source, 1);
        await WhenConnectedAsync(health);
        await writer.WriteAsync(Encoding.ASCII.GetBytes("PART-ONE\r"));
        await writer.WriteAsync(Encoding.ASCII.GetBytes("\n"));

        Assert.Equal("PART-ONE", Assert.Single(await reading).Text);
    }

    [SkippableFact]
    public async Task ReadAsync_PortUnpluggedAndBack_ReportsHealthAndReadsAgain()
    {
        Skip.IfNot(SocatPtyPair.Available, "socat is not installed (apt-get install socat)");
        var folder = Directory.CreateTempSubdirectory("gatekiosk-serial-");
        try
        {
            var links = (Path.Combine(folder.FullName, "scanner"), Path.Combine(folder.FullName, "host"));
            var (source, health) = Create(links.Item1, SerialTerminator.Cr);
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            health.ConnectionChanged += (_, h) => (h.Connected ? (h.Disconnects > 0 ? back : null) : lost)?.TrySetResult();

            var pair = await SocatPtyPair.StartAsync(links);
            using var timeout = new CancellationTokenSource(ScanSourceTesting.Bound);
            await using var scans = source.ReadAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
            var first = scans.MoveNextAsync();
            await WhenConnectedAsync(health);
            await using (var writer = pair.OpenWriter())
            {
                await writer.WriteAsync(Encoding.ASCII.GetBytes("BEFORE\r"));
            }

            Assert.True(await first);
            Assert.Equal("BEFORE", scans.Current.Text);
            var second = scans.MoveNextAsync();
            await pair.DisposeAsync();
            await lost.Task.WaitAsync(ScanSourceTesting.Bound);

            await using var again = await SocatPtyPair.StartAsync(links);
            await back.Task.WaitAsync(ScanSourceTesting.Bound);
            await using (var writer = again.OpenWriter())
            {
                await writer.WriteAsync(Encoding.ASCII.GetBytes("AFTER\r"));
            }

            Assert.True(await second);
            Assert.Equal("AFTER", scans.Current.Text);
            Assert.Equal(1, health.Current.Disconnects);
            Assert.True(health.Current.Connected);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static (SerialScanSource Source, ScannerHealthTracker Health) Create(string port, SerialTerminator terminator)
    {
        var health = new ScannerHealthTracker($"serial:{port}", TimeProvider.System);
        var source = new SerialScanSource(
            $"serial:{port}",
            () => SerialScanSource.OpenPort(port, 9600),
            terminator,
            TimeSpan.FromMilliseconds(100),
            reconnectDelay: TimeSpan.FromMilliseconds(50),
            health,
            TimeProvider.System,
            NullLogger.Instance);
        return (source, health);
    }

    /// <summary>Waits (bounded) until the source has the port open.</summary>
    private static async Task WhenConnectedAsync(ScannerHealthTracker health)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, ScannerHealth h)
        {
            if (h.Connected)
            {
                connected.TrySetResult();
            }
        }

        health.ConnectionChanged += OnChanged;
        try
        {
            if (health.Current.Connected)
            {
                return;
            }

            await connected.Task.WaitAsync(ScanSourceTesting.Bound);
        }
        finally
        {
            health.ConnectionChanged -= OnChanged;
        }
    }
}
