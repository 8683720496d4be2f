using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Testing;
using Xunit.Abstractions;

namespace GateKiosk.Tests.Native;

/// <summary>
/// The kiosk as it ships: the native (ahead-of-time) executable that the test command publishes to
/// <c>artifacts/native</c>. Configuration binding, the journal, the scanner and MQTT must behave exactly as in the
/// framework-dependent build, so these run the real executable against a real Mosquitto.
/// </summary>
public sealed class NativeKioskTests(ITestOutputHelper output) : IDisposable
{
    private const string Site = "site-1";
    private const string Kiosk = "gate-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-native-" + Guid.NewGuid().ToString("N")[..8]);

    private const string NotBuilt = KioskExecutable.NativeNotBuilt;

    private static string? Executable => KioskExecutable.Native;

    private string Data => Path.Combine(_folder, "data");

    /// <summary>Skips when the native kiosk is not built; fails instead when the test command built it for these tests.</summary>
    private static void RequireNative()
    {
        Assert.False(Executable is null && KioskExecutable.NativeRequired, NotBuilt);
        Skip.If(Executable is null, NotBuilt);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [SkippableFact]
    public async Task SelfTest_BindsEveryConfiguredSection()
    {
        RequireNative();
        Directory.CreateDirectory(Data);

        var (code, stdout, _) = await RunAsync(["selftest", "--simulated", $"--Kiosk:DataDirectory={Data}", "--Gpio:RelayPin=5", "--Gpio:GreenLedPin=6"]);

        Assert.Equal(0, code);
        Assert.Contains("GPIO 5 clicked", stdout, StringComparison.Ordinal);
        Assert.Contains("GPIO 6 lit", stdout, StringComparison.Ordinal);
        Assert.Contains($"{Data} writable", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Decode_ReadsAQrCodeFromAPng()
    {
        RequireNative();
        Directory.CreateDirectory(_folder);
        var image = Path.Combine(_folder, "code.png");
        await File.WriteAllBytesAsync(image, LuminanceImage.EncodePng(QrImages.Render("HC1:NCF/Y43 Tiếng Việt")));

        var (code, stdout, _) = await RunAsync(["decode", "--json", image]);

        Assert.Equal(0, code);
        using var line = JsonDocument.Parse(stdout);
        Assert.Equal("HC1:NCF/Y43 Tiếng Việt", line.RootElement.GetProperty("text").GetString());
    }

    [SkippableFact]
    public async Task Verify_ChecksASignedPassOffline()
    {
        RequireNative();
        Directory.CreateDirectory(_folder);
        var issuer = new TestIssuer();
        var trust = Path.Combine(_folder, "trust.json");
        await File.WriteAllTextAsync(trust, JsonSerializer.Serialize(new[]
        {
            new Dictionary<string, string> { ["key"] = issuer.PrivateKey.ExportSubjectPublicKeyInfoPem(), ["kid"] = Convert.ToBase64String(issuer.Kid) },
        }));
        var issued = new DateTimeOffset(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);
        var pass = issuer.Write(issuer.Pass(CredentialKinds.VisitorPass, issued, TimeSpan.FromHours(2)));

        var (allowCode, allow, _) = await RunAsync(["verify", "--trust", trust, "--at", "2026-03-02T09:30:00+07:00", "--json", pass]);
        var (expiredCode, expired, _) = await RunAsync(["verify", "--trust", trust, "--at", "2026-03-02T05:00:00Z", pass]);

        Assert.Equal(0, allowCode);
        using var json = JsonDocument.Parse(allow);
        Assert.Equal("allow", json.RootElement.GetProperty("decision").GetString());
        Assert.Equal("visitor-pass", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(1, expiredCode);
        Assert.Equal("deny expired", expired.Trim());
    }

    [SkippableFact]
    public async Task Run_V4l2Camera_TheCameraLibraryStartsAsInTheDotnetBuild()
    {
        RequireNative();

        // The camera library opens /dev/videoN itself. A plain file there gets as far as its first ioctl, past the
        // library's start-up, which is where a native build without marshalling data for its structures fails.
        var device = Enumerable.Range(40, 24).Select(n => $"/dev/video{n}").FirstOrDefault(d => !File.Exists(d));
        Skip.If(device is null, "/dev/video40–63 all exist; the test needs a free name for a stand-in file");
        try
        {
            await File.WriteAllBytesAsync(device, []);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            Skip.If(true, $"this test writes a stand-in {device} and needs a writable /dev (root): {ex.Message}");
        }

        try
        {
            Directory.CreateDirectory(Data);
            using var kiosk = Start(Executable!,
                "run", $"--Kiosk:SiteId={Site}", $"--Kiosk:KioskId={Kiosk}", $"--Kiosk:DataDirectory={Data}", "--Gpio:Driver=Simulated",
                "--Scanner:Source=V4l2", $"--Scanner:Path={device}", "--Mqtt:Host=127.0.0.1", "--Mqtt:Port=1", "--Logging:LogLevel:Default=Information");
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            kiosk.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
            kiosk.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
            kiosk.BeginOutputReadLine();
            kiosk.BeginErrorReadLine();
            try
            {
                // Either line ends the wait: "reader connected" once the library has started, "went away" when it failed.
                await Eventually.TrueAsync(() => log.Any(l => l.Contains("v4l2:" + device + ": reader", StringComparison.Ordinal)), Timeout, "the kiosk tries the camera");
            }
            finally
            {
                kiosk.Kill();
                await kiosk.WaitForExitAsync().WaitAsync(Timeout);
                output.WriteLine("kiosk log:" + string.Concat(log.Select(l => Environment.NewLine + "  " + l)));
            }

            Assert.Contains(log, l => l.Contains("v4l2:" + device + ": reader connected", StringComparison.Ordinal));
            Assert.DoesNotContain(log, l => l.Contains("marshalling", StringComparison.OrdinalIgnoreCase) || l.Contains("went away", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(device);
        }
    }

    [SkippableFact]
    public async Task Run_BadConfiguration_ExitsWithCode78NamingTheKeyOnce()
    {
        RequireNative();

        var (unknownCode, _, unknown) = await RunAsync(["run", "--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", "--Kiosk:Typo=1", "--Gpio:Driver=Simulated"]);
        var (badValueCode, _, badValue) = await RunAsync(["run", "--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", "--Gpio:RelayPin=abc", "--Mqtt:Host=127.0.0.1"]);

        Assert.Equal(78, unknownCode);
        Assert.Contains("Kiosk:Typo is not a known key", unknown, StringComparison.Ordinal);
        Assert.Contains("Mqtt:Host is required", unknown, StringComparison.Ordinal);
        Assert.Equal(1, unknown.Split("Kiosk:Typo").Length - 1);
        Assert.Equal(78, badValueCode);
        Assert.Contains("'abc' at 'Gpio:RelayPin'", badValue, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Run_ScansArePublishedToARealBrokerAndTheJournalReportsThemSent()
    {
        RequireNative();
        Skip.IfNot(Mosquitto.IsInstalled && File.Exists("/usr/bin/mosquitto_sub"), Mosquitto.NotInstalled);
        Skip.IfNot(SocatPtyPair.Available, "socat is not installed (apt-get install socat)");
        Directory.CreateDirectory(Data);
        await using var scanner = await SocatPtyPair.StartAsync();
        await using var broker = await Mosquitto.StartAsync();

        // A persistent session, subscribed before the kiosk starts (-E: exit once the broker acknowledged the
        // subscription); the broker queues the kiosk's QoS 1 events for it until the second run collects them.
        string[] session = ["-h", "127.0.0.1", "-p", broker.Port.ToString(CultureInfo.InvariantCulture), "-q", "1", "-c", "-i", "native-kiosk-test", "-t", Topics.Events(Site, Kiosk)];
        using (var subscribe = Start("/usr/bin/mosquitto_sub", [.. session, "-E"]))
        {
            await subscribe.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(0, subscribe.ExitCode);
        }

        using var kiosk = Start(Executable!,
            "run", $"--Kiosk:SiteId={Site}", $"--Kiosk:KioskId={Kiosk}", $"--Kiosk:DataDirectory={Data}", "--Gpio:Driver=Simulated",
            "--Scanner:Source=Serial", $"--Scanner:Path={scanner.First}", "--Badges:Allowlist:0=E1001",
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}", "--Logging:LogLevel:Default=Information");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        kiosk.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        kiosk.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        kiosk.BeginOutputReadLine();
        kiosk.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(() => log.Any(l => l.Contains("reader connected", StringComparison.Ordinal)), Timeout, "the kiosk opens the serial scanner");
            await using (var writer = scanner.OpenWriter())
            {
                await writer.WriteAsync("E1001\rE9999\r"u8.ToArray());
            }

            using var collect = Start("/usr/bin/mosquitto_sub", [.. session, "-C", "3", "-W", "60"]);
            var received = collect.StandardOutput.ReadToEndAsync();
            await collect.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(70));
            var all = (await received).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal([EventTypes.System, EventTypes.Entry, EventTypes.Entry], all.Select(e => e.GetProperty("type").GetString()));
            Assert.Equal("kiosk-started", all[0].GetProperty("detail").GetString());
            var events = all.Skip(1).ToList();
            Assert.Equal([Decisions.Allow, Decisions.Deny], events.Select(e => e.GetProperty("decision").GetString()));
            // An enrolled badge is published as it is; a code that is not enrolled only as a keyed hash.
            Assert.Equal("E1001", events[0].GetProperty("credential").GetProperty("subjectId").GetString());
            var unknown = events[1].GetProperty("credential").GetProperty("subjectId").GetString();
            Assert.StartsWith("badge-", unknown, StringComparison.Ordinal);
            Assert.DoesNotContain("E9999", unknown, StringComparison.Ordinal);
            Assert.Equal(events[0].GetProperty("seq").GetInt64() + 1, events[1].GetProperty("seq").GetInt64());

            await Eventually.TrueAsync(async () => (await JournalAsync()).GetProperty("unsent").GetInt64() == 0, Timeout, "the kiosk marks its events sent");
            Assert.True((await JournalAsync()).GetProperty("lastSeq").GetInt64() >= events[1].GetProperty("seq").GetInt64());
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

    private async Task<JsonElement> JournalAsync()
    {
        var (code, stdout, stderr) = await RunAsync(["journal", "--json", $"--Kiosk:DataDirectory={Data}"]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        using var process = Start(Executable!, [.. args]);
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
        output.WriteLine($"gatekiosk {string.Join(' ', args)} → {result.ExitCode}{Environment.NewLine}{result.Item2}{result.Item3}");
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
