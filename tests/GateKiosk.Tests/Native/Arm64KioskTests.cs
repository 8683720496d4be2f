using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Testing;
using GateKiosk.Tests.Deploy;
using Xunit.Abstractions;

namespace GateKiosk.Tests.Native;

/// <summary>
/// The arm64 kiosk from <c>gatekiosk_*_arm64.deb</c>, the cross-compiled native executable a Raspberry Pi runs, under
/// Debian's <c>qemu-aarch64</c> user-mode emulator with the arm64 C library, ICU and OpenSSL from Debian (multiarch).
/// Startup time and resident memory are printed; under emulation they are far above a Pi's and only show the order.
/// </summary>
public sealed class Arm64KioskTests(ITestOutputHelper output) : IDisposable
{
    private const string Qemu = "/usr/bin/qemu-aarch64";
    private const string Site = "site-1";
    private const string Kiosk = "gate-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-arm64-" + Guid.NewGuid().ToString("N")[..8]);

    private string Executable => Path.Combine(_folder, "root", "usr", "lib", "gatekiosk", "gatekiosk");

    private string Data => Path.Combine(_folder, "data");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Help_And_SimulatedSelfTest_RunUnderEmulation()
    {
        await ExtractAsync();

        var (helpCode, help, _) = await RunAsync(["--help"]);
        var (selfTestCode, selfTest, _) = await RunAsync(["selftest", "--simulated", $"--Kiosk:DataDirectory={Data}"]);

        Assert.Equal(0, helpCode);
        Assert.Contains("Usage: gatekiosk <command>", help, StringComparison.Ordinal);
        Assert.Equal(0, selfTestCode);
        Assert.Contains("relay         OK      GPIO 17 clicked", selfTest, StringComparison.Ordinal);
        Assert.Contains("Self-test passed.", selfTest, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Run_AgainstARealBroker_JournalsAndPublishesAScan()
    {
        await ExtractAsync();
        Skip.IfNot(Mosquitto.IsInstalled && File.Exists("/usr/bin/mosquitto_sub"), Mosquitto.NotInstalled);
        Directory.CreateDirectory(Data);
        var fifo = Path.Combine(_folder, "scanner");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }

        await using var broker = await Mosquitto.StartAsync();
        string[] session = ["-h", "127.0.0.1", "-p", broker.Port.ToString(CultureInfo.InvariantCulture), "-q", "1", "-c", "-i", "arm64-kiosk-test", "-t", Topics.Events(Site, Kiosk)];
        using (var subscribe = Start("/usr/bin/mosquitto_sub", [.. session, "-E"]))
        {
            await subscribe.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(0, subscribe.ExitCode);
        }

        var started = Stopwatch.StartNew();
        using var kiosk = Start(Qemu, Executable,
            "run", $"--Kiosk:SiteId={Site}", $"--Kiosk:KioskId={Kiosk}", $"--Kiosk:DataDirectory={Data}", "--Gpio:Driver=Simulated",
            "--Scanner:Source=Fifo", $"--Scanner:Path={fifo}", "--Badges:Allowlist:0=E1001",
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}", "--Logging:LogLevel:Default=Information");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        kiosk.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        kiosk.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        kiosk.BeginOutputReadLine();
        kiosk.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(() => log.Any(l => l.Contains("Reading scans from", StringComparison.Ordinal)), Timeout, "the kiosk starts reading scans");
            var startup = started.Elapsed;
            await File.WriteAllTextAsync(fifo, "E1001\n");

            using var collect = Start("/usr/bin/mosquitto_sub", [.. session, "-C", "2", "-W", "80"]);
            var received = collect.StandardOutput.ReadToEndAsync();
            await collect.WaitForExitAsync().WaitAsync(Timeout);
            var events = (await received).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal([EventTypes.System, EventTypes.Entry], events.Select(e => e.GetProperty("type").GetString()));
            Assert.Equal(Decisions.Allow, events[1].GetProperty("decision").GetString());
            Assert.Equal("E1001", events[1].GetProperty("credential").GetProperty("subjectId").GetString());
            Assert.True(File.Exists(Path.Combine(Data, "journal.db")), "the scan is journaled");

            var rss = File.ReadLines($"/proc/{kiosk.Id}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            output.WriteLine($"arm64 kiosk under qemu-aarch64: started (reading scans) in {startup.TotalMilliseconds:0} ms; {rss.Replace("\t", " ", StringComparison.Ordinal)} (emulator included)");
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", kiosk.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await kiosk.WaitForExitAsync().WaitAsync(Timeout);
            output.WriteLine("kiosk log:" + string.Concat(log.Select(l => Environment.NewLine + "  " + l)));
        }

        Assert.Equal(0, kiosk.ExitCode);
    }

    /// <summary>Unpacks the arm64 package; skips without the emulator or the arm64 libraries, unless the test command built the packages.</summary>
    private async Task ExtractAsync()
    {
        var deb = DebianPackages.Require("gatekiosk", "arm64");
        var ready = File.Exists(Qemu) && File.Exists("/lib/ld-linux-aarch64.so.1");
        const string Missing = "qemu-aarch64 or the arm64 C library is missing (apt-get install qemu-user libc6:arm64 libicu72:arm64 libssl3:arm64)";
        Assert.False(!ready && DebianPackages.Required, Missing);
        Skip.IfNot(ready, Missing);
        Directory.CreateDirectory(_folder);
        var (code, _, error) = await DebianPackages.RunAsync("dpkg-deb", ["-x", deb, Path.Combine(_folder, "root")]);
        Assert.True(code == 0, error);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        var started = Stopwatch.StartNew();
        using var process = Start(Qemu, [Executable, .. args]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        var result = (process.ExitCode, await stdout, await stderr);
        output.WriteLine($"qemu-aarch64 gatekiosk {string.Join(' ', args)} → {result.ExitCode} in {started.Elapsed.TotalMilliseconds:0} ms{Environment.NewLine}{result.Item2}{result.Item3}");
        return result;
    }

    private Process Start(string fileName, params string[] args)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Directory.CreateDirectory(_folder);
        return Process.Start(info)!;
    }
}
