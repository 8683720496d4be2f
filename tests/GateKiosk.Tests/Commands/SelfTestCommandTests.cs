using System.Device.Gpio;
using System.Net;
using System.Net.Sockets;
using GateKiosk.Commands;
using GateKiosk.Devices.Simulated;
using GateKiosk.Hosting;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Commands;

public sealed class SelfTestCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-selftest-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly TcpListener _broker = new(IPAddress.Loopback, 0);

    public SelfTestCommandTests() => _broker.Start();

    public void Dispose()
    {
        _broker.Dispose();
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
        "--simulated", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={((IPEndPoint)_broker.LocalEndpoint).Port}", "--Display:Kind=Lcd1602",
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
        _broker.Stop();
        var (code, output) = await RunAsync(Args(), Setup());

        Assert.Equal(1, code);
        Assert.Contains("FAIL", Row(output, "broker"), StringComparison.Ordinal);
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
        Assert.Contains("ExecStopPost=/opt/gatekiosk/gatekiosk safe-state", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "systemd", "gatekiosk.service")), StringComparison.Ordinal);

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
