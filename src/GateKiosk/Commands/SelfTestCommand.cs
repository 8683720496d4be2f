using System.Device.Gpio;
using System.Diagnostics;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices;
using GateKiosk.Devices.Display;
using GateKiosk.Devices.Gpio;
using GateKiosk.Devices.Scanning;
using GateKiosk.Hosting;
using GateKiosk.Mqtt;
using Microsoft.Extensions.Configuration;

namespace GateKiosk.Commands;

/// <summary>One line of the self-test table.</summary>
internal sealed record SelfTestResult(string Check, SelfTestStatus Status, string Detail);

internal enum SelfTestStatus
{
    Ok,
    Warn,
    Skip,
    Fail,
}

/// <summary>What the self-test may be given instead of the real thing (tests, the simulated run).</summary>
internal sealed class SelfTestSetup
{
    /// <summary>Folder of the JSON configuration files.</summary>
    public string EtcFolder { get; init; } = "/etc/gatekiosk";

    /// <summary>How long each output stays on so a technician can see and hear it.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>Makes the GPIO driver; null uses the configured one.</summary>
    public Func<GpioOptions, GpioDriver>? CreateDriver { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// <c>gatekiosk selftest [--simulated]</c>: drives each output in turn, reads each input, checks the reader, broker,
/// clock and disk, prints a table and exits 1 when anything failed (78 for a configuration error).
/// </summary>
internal static class SelfTestCommand
{
    private const long MinFreeBytes = 100L * 1024 * 1024;

    public static async Task<int> RunAsync(string[] args, TextWriter output, SelfTestSetup? setup = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        setup ??= new SelfTestSetup();
        var simulated = args.Contains("--simulated", StringComparer.Ordinal);
        var configArgs = args.Where(a => a != "--simulated").ToArray();
        var configuration = new ConfigurationBuilder().AddGateKioskSources(setup.EtcFolder, configArgs).Build();

        var gpio = configuration.GetSection(GpioOptions.SectionName).Get<GpioOptions>() ?? new();
        var door = configuration.GetSection(DoorOptions.SectionName).Get<DoorOptions>() ?? new();
        var display = configuration.GetSection(DisplayOptions.SectionName).Get<DisplayOptions>() ?? new();
        var scanner = configuration.GetSection(ScannerOptions.SectionName).Get<ScannerOptions>() ?? new();
        var mqtt = configuration.GetSection(MqttOptions.SectionName).Get<MqttOptions>() ?? new();
        var kiosk = configuration.GetSection(KioskOptions.SectionName).Get<KioskOptions>() ?? new();
        if (simulated)
        {
            gpio.Driver = GpioDriverKind.Simulated;
        }

        var errors = new[]
        {
            new GpioOptionsValidator().Validate(null, gpio), new DoorOptionsValidator().Validate(null, door),
            new DisplayOptionsValidator().Validate(null, display), new ScannerOptionsValidator().Validate(null, scanner),
        }.Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
        if (errors.Count > 0)
        {
            await output.WriteLineAsync("Configuration error:" + string.Concat(errors.Select(e => Environment.NewLine + "  " + e)));
            return HostRunner.ConfigurationError;
        }

        await output.WriteLineAsync($"GateKiosk self-test{(simulated ? " (simulated devices)" : "")}");
        var results = new List<SelfTestResult>();
        await CheckDoorAsync(gpio, door, display, simulated, setup, results);
        results.Add(CheckReader(scanner, simulated));
        results.Add(await CheckBrokerAsync(mqtt, kiosk, simulated, setup.Time));
        results.Add(CheckClock(setup.Time, kiosk.DataDirectory));
        results.Add(CheckDisk(kiosk, configuration, simulated));

        await output.WriteLineAsync(Table(results));
        var failed = results.Count(r => r.Status == SelfTestStatus.Fail);
        await output.WriteLineAsync(failed == 0 ? "Self-test passed." : $"Self-test FAILED: {failed} check(s).");
        return failed == 0 ? 0 : 1;
    }

    internal static string Table(IReadOnlyList<SelfTestResult> results)
    {
        var width = Math.Max("check".Length, results.Max(r => r.Check.Length));
        var lines = new List<string>
        {
            $"{"check".PadRight(width)}  result  detail",
            $"{new string('-', width)}  ------  ------",
        };
        lines.AddRange(results.Select(r => $"{r.Check.PadRight(width)}  {r.Status.ToString().ToUpperInvariant(),-6}  {r.Detail}"));
        return string.Join(Environment.NewLine, lines);
    }

    private static async Task CheckDoorAsync(GpioOptions gpio, DoorOptions door, DisplayOptions display, bool simulated, SelfTestSetup setup, List<SelfTestResult> results)
    {
        GpioController controller;
        try
        {
            controller = setup.CreateDriver is { } create ? new GpioController(create(gpio)) : DoorHardware.CreateController(gpio);
            results.Add(new("gpio driver", SelfTestStatus.Ok, gpio.Driver.ToString()));
        }
#pragma warning disable CA1031 // Every failure becomes a row of the table.
        catch (Exception ex)
        {
            results.Add(new("gpio driver", SelfTestStatus.Fail, ex.Message));
            return;
        }

        using (controller)
        {
            var relayRest = door.LockType == LockType.FailSafe;
            results.Add(await PulseAsync("relay", controller, gpio.RelayPin, gpio.RelayActiveLow, relayRest, setup, "clicked"));
            results.Add(await PulseAsync("green LED", controller, gpio.GreenLedPin, gpio.LedActiveLow, false, setup, "lit"));
            results.Add(await PulseAsync("red LED", controller, gpio.RedLedPin, gpio.LedActiveLow, false, setup, "lit"));
            results.Add(await BuzzerAsync(controller, gpio, setup));
            results.Add(CheckDisplay(display, simulated || gpio.Driver == GpioDriverKind.Simulated));
            results.Add(ReadInput("door contact", door.HasContact, controller, gpio.DoorContactPin, gpio, gpio.DoorOpenWhenHigh ? PinValue.High : PinValue.Low, ("open", "closed")));
            results.Add(ReadInput("exit button", door.HasExitButton, controller, gpio.ExitButtonPin, gpio, gpio.ExitPressedWhenLow ? PinValue.Low : PinValue.High, ("pressed", "released")));
            try
            {
                // A fail-safe (maglock) relay is already back at rest, energised, after its pulse: leave it there
                // rather than releasing the door for a moment.
                DoorHardware.ApplySafeState(controller, gpio, leaveRelay: relayRest);
            }
            catch (Exception ex)
            {
                results.Add(new("safe state", SelfTestStatus.Fail, ex.Message));
            }
        }
    }

    /// <summary>Moves an output away from its rest level for one step and back, reading the level back each time.</summary>
    private static async Task<SelfTestResult> PulseAsync(string name, GpioController controller, int pin, bool activeLow, bool restEnergised, SelfTestSetup setup, string done)
    {
        var energised = activeLow ? PinValue.Low : PinValue.High;
        var deEnergised = activeLow ? PinValue.High : PinValue.Low;
        var rest = restEnergised ? energised : deEnergised;
        var away = restEnergised ? deEnergised : energised;
        try
        {
            GpioOutputs.OpenAt(controller, pin, rest);
            controller.Write(pin, away);
            var readAway = controller.Read(pin);
            await DelayAsync(setup);
            controller.Write(pin, rest);
            var readRest = controller.Read(pin);
            return readAway == away && readRest == rest
                ? new(name, SelfTestStatus.Ok, $"GPIO {pin} {done}")
                : new(name, SelfTestStatus.Fail, $"GPIO {pin} did not read back the level written");
        }
        catch (Exception ex)
        {
            return new(name, SelfTestStatus.Fail, $"GPIO {pin}: {ex.Message}");
        }
    }

    private static async Task<SelfTestResult> BuzzerAsync(GpioController controller, GpioOptions gpio, SelfTestSetup setup)
    {
        if (gpio.Buzzer == BuzzerKind.None)
        {
            return new("buzzer", SelfTestStatus.Skip, "Gpio:Buzzer=None");
        }

        if (gpio.Buzzer == BuzzerKind.Active || gpio.Driver == GpioDriverKind.Simulated)
        {
            return await PulseAsync("buzzer", controller, gpio.BuzzerPin, gpio.BuzzerActiveLow, false, setup, "beeped");
        }

        try
        {
            using var buzzer = PwmBuzzer.Create(gpio);
            buzzer.Tone(2700);
            await DelayAsync(setup);
            buzzer.Tone(0);
            return new("buzzer", SelfTestStatus.Ok, $"PWM chip {gpio.PwmChip} channel {gpio.PwmChannel} beeped");
        }
        catch (Exception ex)
        {
            return new("buzzer", SelfTestStatus.Fail, $"PWM chip {gpio.PwmChip} channel {gpio.PwmChannel}: {ex.Message} (is dtoverlay=pwm set?)");
        }
    }

    private static SelfTestResult CheckDisplay(DisplayOptions options, bool simulated)
    {
        if (options.Kind == DisplayKind.None)
        {
            return new("display", SelfTestStatus.Skip, "Display:Kind=None");
        }

        try
        {
            var (display, device) = DoorHardware.CreateDisplay(options, simulated);
            using (device)
            {
                display.Show(new DisplayMessage(DisplayScreen.SelfTest));
            }

            return new("display", SelfTestStatus.Ok, $"{options.Kind} at I2C bus {options.I2cBus} address 0x{options.ResolveAddress():X2}");
        }
        catch (Exception ex)
        {
            return new("display", SelfTestStatus.Fail, $"{options.Kind} at I2C bus {options.I2cBus} address 0x{options.ResolveAddress():X2}: {ex.Message}");
        }
    }

    private static SelfTestResult ReadInput(string name, bool fitted, GpioController controller, int pin, GpioOptions gpio, PinValue active, (string Active, string Inactive) words)
    {
        if (!fitted)
        {
            return new(name, SelfTestStatus.Skip, "not fitted");
        }

        try
        {
            if (!controller.IsPinOpen(pin))
            {
                controller.OpenPin(pin, gpio.InputPullUp ? PinMode.InputPullUp : PinMode.Input);
            }

            var level = controller.Read(pin);
            return new(name, SelfTestStatus.Ok, $"GPIO {pin} reads {(level == PinValue.High ? "high" : "low")}: {(level == active ? words.Active : words.Inactive)}");
        }
        catch (Exception ex)
        {
            return new(name, SelfTestStatus.Fail, $"GPIO {pin}: {ex.Message}");
        }
    }

    private static SelfTestResult CheckReader(ScannerOptions scanner, bool simulated)
    {
        if (simulated)
        {
            return new("reader", SelfTestStatus.Ok, "simulated");
        }

        // Any source with a path (a file, a FIFO a scanner bridge writes to) must have it present; standard input
        // cannot be checked before start-up.
        if (scanner.Source == ScannerKind.Stdin)
        {
            return new("reader", SelfTestStatus.Skip, "Scanner:Source=Stdin reads standard input; scan a code after start-up");
        }

        return File.Exists(scanner.Path)
            ? new("reader", SelfTestStatus.Ok, $"{scanner.Source} {scanner.Path}")
            : new("reader", SelfTestStatus.Fail, $"Scanner:Path {scanner.Path} does not exist");
    }

    /// <summary>
    /// A real MQTT connect as the kiosk (its client id, TLS files, credentials) and one publish to its own status
    /// topic: a refused certificate, a wrong password or an ACL that refuses the kiosk is a FAIL with the broker's reason.
    /// </summary>
    private static async Task<SelfTestResult> CheckBrokerAsync(MqttOptions mqtt, KioskOptions kiosk, bool simulated, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(mqtt.Host))
        {
            return simulated
                ? new("broker", SelfTestStatus.Skip, "Mqtt:Host not set")
                : new("broker", SelfTestStatus.Fail, "Mqtt:Host not set");
        }

        var invalid = new MqttOptionsValidator().Validate(null, mqtt);
        if (invalid.Failed)
        {
            return new("broker", SelfTestStatus.Fail, string.Join(" ", invalid.Failures ?? []));
        }

        var checkOptions = mqtt.Timeout > TimeSpan.FromSeconds(5) ? Copy(mqtt, TimeSpan.FromSeconds(5)) : mqtt;
        var clientId = string.IsNullOrEmpty(mqtt.ClientId) ? $"gatekiosk-{kiosk.SiteId}-{kiosk.KioskId}" : mqtt.ClientId;
        var started = Stopwatch.GetTimestamp();
        var result = await MqttBrokerCheck.RunAsync(checkOptions, clientId, Topics.Status(kiosk.SiteId, kiosk.KioskId), time, CancellationToken.None);
        return result.Outcome == BrokerCheckOutcome.Ok
            ? new("broker", SelfTestStatus.Ok, $"{result.Detail} in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms")
            : new("broker", SelfTestStatus.Fail, $"{result.Outcome}: {result.Detail}");
    }

    private static MqttOptions Copy(MqttOptions mqtt, TimeSpan timeout) => new()
    {
        Host = mqtt.Host,
        Port = mqtt.Port,
        ClientId = mqtt.ClientId,
        Username = mqtt.Username,
        Password = mqtt.Password,
        KeepAlive = mqtt.KeepAlive,
        SessionExpiry = mqtt.SessionExpiry,
        ReconnectMinDelay = mqtt.ReconnectMinDelay,
        ReconnectMaxDelay = mqtt.ReconnectMaxDelay,
        Timeout = timeout,
        TelemetryInterval = mqtt.TelemetryInterval,
        MaxInFlight = mqtt.MaxInFlight,
        UseTls = mqtt.UseTls,
        CaFile = mqtt.CaFile,
        ClientCertificateFile = mqtt.ClientCertificateFile,
        ClientKeyFile = mqtt.ClientKeyFile,
        ProtocolVersion = mqtt.ProtocolVersion,
    };

    private static SelfTestResult CheckClock(TimeProvider time, string dataDirectory)
    {
        var now = time.GetUtcNow();
        var source = new TimeSourceProbe(time, dataDirectory).Current;
        if (now.Year < 2025)
        {
            return new("clock", SelfTestStatus.Fail, $"{now:yyyy-MM-dd HH:mm} UTC is not a plausible date; set the time or enable NTP");
        }

        return source == TimeSources.None
            ? new("clock", SelfTestStatus.Warn, $"{now:yyyy-MM-dd HH:mm:ss} UTC, not synchronised (the kernel clock is not NTP-synchronised and no RTC kept time since the last sync): events are marked timeSource=none")
            : new("clock", SelfTestStatus.Ok, $"{now:yyyy-MM-dd HH:mm:ss} UTC from {source}");
    }

    private static SelfTestResult CheckDisk(KioskOptions kiosk, IConfiguration configuration, bool simulated)
    {
        var folder = simulated && configuration["Kiosk:DataDirectory"] is null
            ? Path.Combine(Path.GetTempPath(), "gatekiosk-selftest")
            : kiosk.DataDirectory;
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".selftest-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            var free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
            return free < MinFreeBytes
                ? new("disk", SelfTestStatus.Fail, $"{folder} writable but only {free / (1024 * 1024)} MB free (at least {MinFreeBytes / (1024 * 1024)} MB needed)")
                : new("disk", SelfTestStatus.Ok, $"{folder} writable, {free / (1024 * 1024)} MB free");
        }
        catch (Exception ex)
        {
            return new("disk", SelfTestStatus.Fail, $"{folder}: {ex.Message}");
        }
#pragma warning restore CA1031
    }

    private static async Task DelayAsync(SelfTestSetup setup)
    {
        if (setup.Step > TimeSpan.Zero)
        {
            await Task.Delay(setup.Step, setup.Time);
        }
    }
}
