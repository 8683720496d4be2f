using System.Device.Gpio;
using System.Net;
using System.Net.Sockets;
using GateKiosk.Commands;
using GateKiosk.Devices.Simulated;
using GateKiosk.Hosting;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Commands;

public sealed class SelfTestCommandTests : IAsyncLifetime
{
    private const string Password = "kiosk-password";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-selftest-" + Guid.NewGuid().ToString("N")[..8]);
    private Mosquitto _broker = null!;

    // A real broker with a password: the self-test logs in as the kiosk and publishes to its status topic.
    public async Task InitializeAsync() => _broker = await Mosquitto.StartWithConfigAsync((port, folder) =>
    {
        var passwords = Path.Combine(folder, "passwords");
        using (var tool = System.Diagnostics.Process.Start("mosquitto_passwd", ["-b", "-c", passwords, "gate-1", Password]))
        {
            tool.WaitForExit(10_000);
        }

        return $"""
            listener {port} 127.0.0.1
            allow_anonymous false
            password_file {passwords}
            persistence false
            log_dest stderr
            """;
    });

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private SelfTestSetup Setup(Func<System.Device.Gpio.GpioDriver>? driver = null) => new()
    {
        EtcFolder = Path.Combine(_data, "etc-none"),
        Step = TimeSpan.Zero,
        CreateDriver = driver is null ? null : _ => driver(),
    };

    private string[] Args(params string[] extra) =>
    [
        "--simulated", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={_broker.Port}", "--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1",
        "--Mqtt:Username=gate-1", $"--Mqtt:Password={Password}", "--Display:Kind=Lcd1602",
        .. extra,
    ];

    private static async Task<(int Code, string Output)> RunAsync(string[] args, SelfTestSetup setup)
    {
        using var output = new StringWriter();
        var code = await SelfTestCommand.RunAsync(args, output, setup);
        return (code, output.ToString());
    }

    private static string Row(string output, string check) =>
        output.Split('\n').Single(l => l.StartsWith(check + " ", StringComparison.Ordinal));

    [Fact]
    public async Task SelfTest_Simulated_PassesAndPrintsTable()
    {
        var (code, output) = await RunAsync(Args(), Setup());

        Assert.Equal(0, code);
        Assert.Contains("check", output, StringComparison.Ordinal);
        foreach (var check in new[] { "relay", "green LED", "red LED", "buzzer", "display", "door contact", "exit button", "reader", "broker", "disk" })
        {
            Assert.Contains("  OK  ", Row(output, check), StringComparison.Ordinal);
        }

        Assert.Contains("closed", Row(output, "door contact"), StringComparison.Ordinal);
        Assert.Contains("Self-test passed.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_BuzzerPinBroken_FailsItsRowAndExitsNonZero()
    {
        var (code, output) = await RunAsync(Args(), Setup(() => new BrokenPinDriver(18)));

        Assert.Equal(1, code);
        Assert.Contains("FAIL", Row(output, "buzzer"), StringComparison.Ordinal);
        Assert.Contains("  OK  ", Row(output, "relay"), StringComparison.Ordinal);
        Assert.Contains("Self-test FAILED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_BrokerRefuses_FailsBrokerRow()
    {
        await _broker.StopAsync();
        var (code, output) = await RunAsync(Args(), Setup());

        Assert.Equal(1, code);
        Assert.Contains("FAIL", Row(output, "broker"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_WrongPassword_FailsBrokerRowWithReason()
    {
        var (code, output) = await RunAsync(Args("--Mqtt:Password=not-the-password"), Setup());

        Assert.Equal(1, code);
        var row = Row(output, "broker");
        Assert.Contains("FAIL", row, StringComparison.Ordinal);
        Assert.Contains("LoginRefused", row, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_PortOpenButNotMqtt_FailsBrokerRow()
    {
        // A bare TCP connect used to pass here.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepting = AcceptAndCloseAsync(listener);

        var (code, output) = await RunAsync(Args($"--Mqtt:Port={((IPEndPoint)listener.LocalEndpoint).Port}"), Setup());

        Assert.Equal(1, code);
        Assert.Contains("FAIL", Row(output, "broker"), StringComparison.Ordinal);
        listener.Stop();
        await accepting;
    }

    private static async Task AcceptAndCloseAsync(TcpListener listener)
    {
        try
        {
            using var client = await listener.AcceptTcpClientAsync();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Stopped before anyone connected.
        }
    }

    [Fact]
    public async Task SelfTest_ScannerFileMissing_FailsReaderRow()
    {
        string[] args = [.. Args("--Gpio:Driver=Simulated", "--Scanner:Source=File", $"--Scanner:Path={Path.Combine(_data, "no-such-fifo")}").Where(a => a != "--simulated")];

        var (code, output) = await RunAsync(args, Setup());

        Assert.Equal(1, code);
        Assert.Contains("FAIL", Row(output, "reader"), StringComparison.Ordinal);
        Assert.Contains("Self-test FAILED: 1 check(s).", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_WrongKey_ExitsConfigurationErrorNamingIt()
    {
        var (code, output) = await RunAsync(Args("--Door:HeldOpenAfter=00:00:00"), Setup());

        Assert.Equal(HostRunner.ConfigurationError, code);
        Assert.Contains("Door:HeldOpenAfter", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SafeState_Simulated_ReportsEveryOutputOff()
    {
        using var output = new StringWriter();
        var code = await SafeStateCommand.RunAsync(["--Gpio:Driver=Simulated"], output, Path.Combine(_data, "etc-none"));

        Assert.Equal(0, code);
        Assert.Contains("relay GPIO 17 = high (off)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("buzzer GPIO 18 = low (off)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceUnit_RunsSafeStateAfterEveryExit() =>
        Assert.Contains("ExecStopPost=/usr/bin/gatekiosk safe-state", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "systemd", "gatekiosk.service")), StringComparison.Ordinal);

    /// <summary>A driver whose writes to one pin fail, as a shorted or missing output would.</summary>
    private sealed class BrokenPinDriver(int pin) : SimulatedGpioDriver
    {
        protected override void OnWrite(int pinNumber, PinValue value)
        {
            if (pinNumber == pin)
            {
                throw new IOException($"GPIO {pin} write failed");
            }
        }
    }
}
