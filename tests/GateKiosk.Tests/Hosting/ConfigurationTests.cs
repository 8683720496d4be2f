using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Display;
using GateKiosk.Devices.Gpio;
using GateKiosk.Hosting;
using GateKiosk.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Tests.Hosting;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-config-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static async Task<(int Code, string Error)> RunAsync(params string[] args)
    {
        using var error = new StringWriter();
        var code = await HostRunner.RunAsync(Program.BuildKioskHost(args), error);
        return (code, error.ToString());
    }

    private string[] Valid(params string[] extra) =>
    [
        "--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", "--Gpio:Driver=Simulated",
        .. extra,
    ];

    [Fact]
    public async Task Run_MissingKeys_ExitsWithMessageNamingEachKey()
    {
        var (code, error) = await RunAsync();

        Assert.Equal(HostRunner.ConfigurationError, code);
        Assert.Contains("Kiosk:SiteId", error, StringComparison.Ordinal);
        Assert.Contains("Kiosk:KioskId", error, StringComparison.Ordinal);
        Assert.Contains("Mqtt:Host", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_data), "nothing may be created on a bad configuration");
    }

    [Theory]
    [InlineData("--Mqtt:Hots=broker", "Mqtt:Hots is not a known key")]
    [InlineData("--Mqtt:Port=eighty", "Mqtt:Port")]
    [InlineData("--Gpio:RelayPin=99", "Gpio:RelayPin")]
    [InlineData("--Kiosk:SiteId=Site One", "Kiosk:SiteId")]
    [InlineData("--Gpio:RelayPulse=-00:00:01", "Gpio:RelayPulse")]
    [InlineData("--Scanner:Source=File", "Scanner:Path")]
    [InlineData("--Display:Kind=Oled", "Display:Kind")]
    [InlineData("--Door:LockType=Magnetic", "Door:LockType")]
    [InlineData("--Door:HeldOpenAfter=00:00:00", "Door:HeldOpenAfter")]
    [InlineData("--Gpio:DoorContactPin=17", "Gpio:RelayPin and Gpio:DoorContactPin")]
    public async Task Run_WrongKey_ExitsWithMessageNamingTheKey(string bad, string expected)
    {
        var (code, error) = await RunAsync(Valid(bad));

        Assert.Equal(HostRunner.ConfigurationError, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ExampleKioskConfiguration_UsesOnlyKnownKeysWithValidValues()
    {
        var example = Path.Combine(RepoPaths.Root, "deploy", "gatekiosk.json.example");
        using var host = Program.BuildKioskHost([$"--Kiosk:DataDirectory={_data}"], b => b.Configuration.AddJsonFile(example));

        var failure = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());

        // Only the files a real kiosk has (certificates, trust list) are missing here.
        var message = HostRunner.Describe(failure) ?? failure.Message;
        Assert.DoesNotContain("not a known key", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Kiosk:", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Scanner:", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Gpio:", message, StringComparison.Ordinal);
        Assert.Contains("Mqtt:CaFile", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptedKinds_Configured_ReplaceTheBadgeDefault()
    {
        using var configured = Program.BuildKioskHost(Valid("--Kiosk:AcceptedKinds:0=staff-pass"));
        using var unconfigured = Program.BuildKioskHost(Valid());

        var decider = configured.Services.GetRequiredService<GateKiosk.Core.Deciding.AccessDecider>();
        var badge = new GateKiosk.Core.Credentials.CredentialCheck(Contracts.ReasonCodes.Valid, new Contracts.CredentialRef(Contracts.CredentialKinds.Badge, "allowlist", "E1"));

        Assert.Equal(["staff-pass"], configured.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GateKiosk.Core.KioskOptions>>().Value.AcceptedKindsOrDefault());
        Assert.Equal(Contracts.ReasonCodes.UnsupportedCredential, decider.Decide(badge).Reason);
        Assert.True(unconfigured.Services.GetRequiredService<GateKiosk.Core.Deciding.AccessDecider>().Decide(badge).IsAllow);
    }

    [SkippableFact]
    public async Task Run_GpioDriverMissing_ExplainsWhichKeyToChange()
    {
        Skip.If(Directory.EnumerateFiles("/dev", "gpiochip*").Any(), "this machine has GPIO chips");
        var (code, error) = await RunAsync(Valid("--Gpio:Driver=LibGpiodV2"));

        Assert.Equal(HostRunner.ConfigurationError, code);
        Assert.Contains("Gpio:Driver=Simulated", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_StartAndStop_LeavesRelayUnpulsedAndOutputsSafe()
    {
        var time = TimeProvider.System;
        var driver = new FakeGpioDriver(time);
        using var host = Program.BuildKioskHost(Valid("--Mqtt:Port=1", "--Scanner:Source=File", $"--Scanner:Path={Path.Combine(_data, "none.txt")}"), b =>
            b.Services.AddSingleton<IGateSignal>(sp => new GpioGateSignal(
                new System.Device.Gpio.GpioController(driver),
                Microsoft.Extensions.Options.Options.Create(new GpioOptions()),
                time,
                shouldDispose: true)));
        Directory.CreateDirectory(_data);
        await File.WriteAllTextAsync(Path.Combine(_data, "none.txt"), "");

        await host.StartAsync();
        await host.StopAsync();

        var relay = new GpioOptions().RelayPin;
        Assert.NotEmpty(driver.WritesTo(relay));
        Assert.All(driver.WritesTo(relay), w => Assert.Equal(System.Device.Gpio.PinValue.High, w.Value));
        Assert.Equal(System.Device.Gpio.PinValue.Low, driver.Level(new GpioOptions().GreenLedPin));
        Assert.Equal(System.Device.Gpio.PinValue.Low, driver.Level(new GpioOptions().RedLedPin));
    }

    [Theory]
    [InlineData("vi", DisplayLanguage.Vi)]
    [InlineData("en", DisplayLanguage.En)]
    public void DisplayLanguage_LowerCaseCode_Binds(string code, DisplayLanguage expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Display:Language"] = code }).Build();

        Assert.Equal(expected, configuration.GetSection(DisplayOptions.SectionName).Get<DisplayOptions>()!.Language);
    }
}
