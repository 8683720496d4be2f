using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Scanning;
using GateKiosk.Devices.Scanning.Evdev;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Devices.Tests.Scanning;

public sealed class EvdevScanSourceTests
{
    private static readonly TimeSpan ScannerPace = TimeSpan.FromMilliseconds(4);

    [Fact]
    public async Task ReadAsync_RecordedScanWithShift_DeliversExactText()
    {
        const string code = "HC1:6BF+70790T9WJWG.FKY*4GO0.O1CV2 O5 N2FBBRW1*70HS8WY04AC*WIFN0AHCD8KD97TK0F90KECTHGWJC0FDC:5AIA%G7X+AQB9746HS80:54IBQF60R6$A80X6S1BTYACG6M+9XG8KIAWNA91AY%67092L4WJCT3EHS8XJC$+DXJCCWENF6OF63W5NW6WF6%JC QE/IAYJC5LEW34U3ET7DXC9 QE-ED8%E.JCBECB1A-:8$96646AL60A60S6Q$D.UDRYA 96NF6L/5QW6307KQEPD09WEQDD+Q6TW6FA7C466KCN9E%961A6DL6FA7D46JPCT3E5JDLA7$Q6E464W5TG6..DX%DZJC6/DTZ9 QE5$CB$DA/D JC1/D3Z8WED1ECW.CCWE.Y92OAGY8MY9L+9MPCG/D5 C5IA5N9$PC5$CUZCY$5Y$527B+A4KZNQG5TKOWWD9FL%I8U$F7O2IBM85CWOC%LEZU4R/BXHDAHN 11$CA5MRI:AONFN7091K9FKIGIY%VWSSSU9%01FO2*FTPQ3C3F";
        var recording = new EvdevRecording().Type(code, ScannerPace);
        var (source, health) = Create(() => new ReplayStream(recording.ToArray(), ReplayEnd.StayOpen), new FakeTimeProvider());

        var scans = await ScanSourceTesting.TakeAsync(source, 1);

        Assert.Equal(code, Assert.Single(scans).Text);
        Assert.True(health.Current.Connected);
        Assert.Equal(1, health.Current.Reads);
    }

    [Fact]
    public async Task ReadAsync_HumanTypingSlowly_DropsItAndDeliversTheNextScan()
    {
        var recording = new EvdevRecording()
            .Type("HC1:TYPED-BY-HAND", TimeSpan.FromMilliseconds(180))
            .Wait(TimeSpan.FromSeconds(2))
            .Type("BADGE-000123", ScannerPace);
        var (source, health) = Create(() => new ReplayStream(recording.ToArray(), ReplayEnd.StayOpen), new FakeTimeProvider());

        var scans = await ScanSourceTesting.TakeAsync(source, 1);

        Assert.Equal("BADGE-000123", Assert.Single(scans).Text);
        Assert.True(health.Current.DecodeFailures > 0);
    }

    [Fact]
    public async Task ReadAsync_HumanTypingFastWithinTheGap_RejectedByTiming()
    {
        // 70 ms a key: under the 100 ms gap, so one burst, but far slower than any scanner.
        var recording = new EvdevRecording()
            .Type("QUICKTYPIST", TimeSpan.FromMilliseconds(70))
            .Type("SCANNED-1", ScannerPace);
        var (source, health) = Create(() => new ReplayStream(recording.ToArray(), ReplayEnd.StayOpen), new FakeTimeProvider());

        var scans = await ScanSourceTesting.TakeAsync(source, 1);

        Assert.Equal("SCANNED-1", Assert.Single(scans).Text);
        Assert.Equal(1, health.Current.DecodeFailures);
    }

    [Fact]
    public async Task ReadAsync_DeviceUnpluggedMidScan_DropsPartialAndRecoversWhenBack()
    {
        var first = new EvdevRecording().Type("BEFORE-1", ScannerPace).Type("CUT-OFF-MID-SC", ScannerPace, terminator: 0).ToArray();
        var second = new EvdevRecording().Type("AFTER-22", ScannerPace).ToArray();
        var opens = 0;
        var changes = new List<bool>();
        var (source, health) = Create(
            () => ++opens switch
            {
                1 => new ReplayStream(first, ReplayEnd.Unplug),
                2 => throw new FileNotFoundException("/dev/input/by-id/usb-scanner-event-kbd is gone"),
                _ => new ReplayStream(second, ReplayEnd.StayOpen),
            },
            new FakeTimeProvider(),
            reconnectDelay: TimeSpan.Zero);
        health.ConnectionChanged += (_, h) => changes.Add(h.Connected);

        var scans = await ScanSourceTesting.TakeAsync(source, 2);

        Assert.Equal(["BEFORE-1", "AFTER-22"], scans.Select(s => s.Text));
        Assert.Equal([true, false, true], changes);
        Assert.Equal(1, health.Current.Disconnects);
        Assert.Equal(1, health.Current.DecodeFailures); // the half scan cut off by the unplug
    }

    [Fact]
    public async Task ReadAsync_NoTerminatorThenSilence_EndsScanAfterGap()
    {
        // Live timing: the scanner sends no suffix and nothing follows, so only the clock can end the code.
        var recording = new EvdevRecording().Type("NO-SUFFIX-42", ScannerPace, terminator: 0);
        var (source, _) = Create(() => new ReplayStream(recording.ToArray(), ReplayEnd.StayOpen), TimeProvider.System);

        var scans = await ScanSourceTesting.TakeAsync(source, 1);

        Assert.Equal("NO-SUFFIX-42", Assert.Single(scans).Text);
    }

    [Fact]
    public void Add_TwoScansWithoutTerminatorApartByMoreThanGap_SplitsThem()
    {
        var bytes = new EvdevRecording()
            .Type("FIRST-CODE", ScannerPace, terminator: 0)
            .Wait(TimeSpan.FromMilliseconds(300))
            .Type("SECOND-CODE", ScannerPace, terminator: 0)
            .ToArray();
        var assembler = new KeystrokeAssembler(KeyboardLayout.Us, KeystrokeRules.From(new ScannerOptions()));

        var results = Parse(bytes).Select(assembler.Add).ToList();
        results.Add(assembler.Flush());
        var finished = results.OfType<KeystrokeResult>().ToList();

        Assert.Equal(["FIRST-CODE", "SECOND-CODE"], finished.Select(r => r.Text));
        Assert.All(finished, r => Assert.True(r.Accepted));
    }

    [Fact]
    public void Add_CharacterOutsideAllowedSet_RejectsScan()
    {
        var bytes = new EvdevRecording().Type("ONLY-DIGITS-ALLOWED", ScannerPace).ToArray();
        var rules = KeystrokeRules.From(new ScannerOptions { AllowedCharacters = "0-9" });
        var assembler = new KeystrokeAssembler(KeyboardLayout.Us, rules);

        var result = Assert.Single(Parse(bytes).Select(assembler.Add).OfType<KeystrokeResult>());

        Assert.Equal(KeystrokeRejection.DisallowedCharacter, result.Rejection);
    }

    [Fact]
    public void Add_GermanLayoutWithAltGr_MapsKeyPositions()
    {
        // On QWERTZ the key right of T types z, shift+7 types /, and AltGr+Q types @.
        var recording = new EvdevRecording()
            .Key(21, 1).Key(21, 0)                                          // KEY_Y position -> z
            .Key(KeyboardLayout.KeyLeftShift, 1).Key(8, 1).Key(8, 0).Key(KeyboardLayout.KeyLeftShift, 0) // shift+7 -> /
            .Key(KeyboardLayout.KeyRightAlt, 1).Key(16, 1).Key(16, 0).Key(KeyboardLayout.KeyRightAlt, 0) // AltGr+Q -> @
            .Key(44, 1).Key(44, 0)                                          // KEY_Z position -> y
            .Key(KeyboardLayout.KeyEnter, 1);
        var assembler = new KeystrokeAssembler(KeyboardLayout.De, KeystrokeRules.From(new ScannerOptions()));

        var result = Assert.Single(Parse(recording.ToArray()).Select(assembler.Add).OfType<KeystrokeResult>());

        Assert.Equal("z/@y", result.Text);
        Assert.True(result.Accepted);
    }

    [Fact]
    public void Parse_RecordedBytes_ReadsTimevalTypeCodeValue()
    {
        var bytes = new EvdevRecording(startMicroseconds: 1_000_002_000_123).Key(30, 1).ToArray();

        var events = Parse(bytes);

        Assert.Equal(48, bytes.Length);
        Assert.Equal(new InputEvent(1_000_002_000_123, InputEvent.Key, 30, 1), events[0]);
        Assert.Equal(InputEvent.Sync, events[1].Type);
    }

    private static List<InputEvent> Parse(byte[] bytes) =>
        Enumerable.Range(0, bytes.Length / InputEvent.Size).Select(i => InputEvent.Parse(bytes.AsSpan(i * InputEvent.Size, InputEvent.Size))).ToList();

    private static (EvdevScanSource Source, ScannerHealthTracker Health) Create(Func<Stream> open, TimeProvider time, TimeSpan? reconnectDelay = null)
    {
        var options = new ScannerOptions();
        var health = new ScannerHealthTracker("evdev:test", time);
        var source = new EvdevScanSource(
            "evdev:test",
            open,
            KeyboardLayout.Us,
            KeystrokeRules.From(options),
            reconnectDelay ?? TimeSpan.FromSeconds(2),
            health,
            time,
            NullLogger.Instance);
        return (source, health);
    }
}
