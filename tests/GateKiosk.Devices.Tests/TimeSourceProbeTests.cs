using GateKiosk.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Devices.Tests;

/// <summary>The clock's trust from the kernel's sync state, the RTC's sysfs files and the kiosk's own marker.</summary>
public sealed class TimeSourceProbeTests
{
    private const string Data = "/data";
    private const string Marker = Data + "/" + TimeSourceProbe.MarkerFileName;
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly FakeClockSignals _signals = new();

    [Fact]
    public void Current_KernelSynchronised_NtpAndRemembered()
    {
        _signals.Synchronised = true;

        var source = Probe().Current;

        Assert.Equal(TimeSources.Ntp, source);
        Assert.Equal(Now.ToUnixTimeSeconds() + "\n", _signals.Files[Marker]);
    }

    [Fact]
    public void Current_UnsyncedWithRtc0ButNeverSynchronised_None()
    {
        _signals.Synchronised = false;
        _signals.Rtc(hctosys: "1", since: Now);

        Assert.Equal(TimeSources.None, Probe().Current);
    }

    [Fact]
    public void Current_UnsyncedRtcKeptTimeSinceLastSync_Rtc()
    {
        _signals.Synchronised = false;
        _signals.Files[Marker] = Now.AddDays(-2).ToUnixTimeSeconds() + "\n";
        _signals.Rtc(hctosys: "1", since: Now);

        Assert.Equal(TimeSources.Rtc, Probe().Current);
    }

    [Fact]
    public void Current_UnsyncedRtcRestartedFromEpochAfterPowerCut_None()
    {
        // A Pi 5 without a cell: after a power cut its RTC counts from 1970 again.
        _signals.Synchronised = false;
        _signals.Files[Marker] = Now.AddDays(-2).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _signals.Rtc(hctosys: "1", since: DateTimeOffset.UnixEpoch.AddMinutes(3));

        Assert.Equal(TimeSources.None, Probe().Current);
    }

    [Fact]
    public void Current_UnsyncedClockNotSetFromRtcAtBoot_None()
    {
        _signals.Synchronised = false;
        _signals.Files[Marker] = Now.AddDays(-2).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _signals.Rtc(hctosys: "0", since: Now);

        Assert.Equal(TimeSources.None, Probe().Current);
    }

    [Fact]
    public void Current_UnsyncedNoRtc_None()
    {
        _signals.Synchronised = false;
        _signals.Files[Marker] = Now.AddDays(-2).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(TimeSources.None, Probe().Current);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("-5")]
    public void Current_UnreadableMarker_None(string marker)
    {
        _signals.Synchronised = false;
        _signals.Files[Marker] = marker;
        _signals.Rtc(hctosys: "1", since: Now);

        Assert.Equal(TimeSources.None, Probe().Current);
    }

    [Fact]
    public void Current_KernelCannotBeAsked_NoneWithoutRtcEvidence()
    {
        _signals.Synchronised = null;

        Assert.Equal(TimeSources.None, Probe().Current);
    }

    [Fact]
    public void Current_NoDataDirectory_NeverRtcAndNothingWritten()
    {
        _signals.Synchronised = true;
        var probe = new TimeSourceProbe(_time, dataDirectory: null, _signals);

        Assert.Equal(TimeSources.Ntp, probe.Current);
        Assert.Empty(_signals.Files);
    }

    [Fact]
    public void Current_SyncLost_RtcFromTheRememberedSync()
    {
        _signals.Synchronised = true;
        var probe = Probe();
        Assert.Equal(TimeSources.Ntp, probe.Current);

        _signals.Synchronised = false;
        _time.Advance(TimeSpan.FromMinutes(5));
        _signals.Rtc(hctosys: "1", since: _time.GetUtcNow());

        Assert.Equal(TimeSources.Rtc, probe.Current);
    }

    [Fact]
    public void Current_StaysSynchronised_MarkerWrittenAtMostHourly()
    {
        _signals.Synchronised = true;
        var probe = Probe();

        for (var minute = 0; minute < 125; minute++)
        {
            Assert.Equal(TimeSources.Ntp, probe.Current);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(3, _signals.Writes);
    }

    [Fact]
    public void Current_WithinAMinute_KernelAskedOnce()
    {
        _signals.Synchronised = true;
        var probe = Probe();

        Assert.Equal(TimeSources.Ntp, probe.Current);
        _signals.Synchronised = false;
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(TimeSources.Ntp, probe.Current);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSources.None, probe.Current);
        Assert.Equal(2, _signals.KernelQueries);
    }

    [Theory]
    [InlineData(0x0040, 16_000_000, false)]
    [InlineData(0x0041, 16_000_000, false)]
    [InlineData(0x0000, 16_000_000, true)]
    [InlineData(0x2001, 16_000_000, true)]
    [InlineData(0x0040, 15_999_999, true)]
    [InlineData(0x0040, 250_000, true)]
    public void IsSynchronised_StatusAndMaxError_SynchronisedUnlessUnsyncAndNobodyVouches(int status, long maxError, bool expected) =>
        Assert.Equal(expected, LinuxClockSignals.IsSynchronised(status, maxError));

    [SkippableFact]
    public void KernelClockSynchronised_OnLinux_AnswersWithoutPrivilege()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "adjtimex is Linux");

        Assert.NotNull(new LinuxClockSignals().KernelClockSynchronised());
    }

    private TimeSourceProbe Probe() => new(_time, Data, _signals);

    private sealed class FakeClockSignals : IClockSignals
    {
        public bool? Synchronised { get; set; }

        public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

        public int Writes { get; private set; }

        public int KernelQueries { get; private set; }

        public void Rtc(string hctosys, DateTimeOffset since)
        {
            Files[TimeSourceProbe.RtcFolder + "/hctosys"] = hctosys + "\n";
            Files[TimeSourceProbe.RtcFolder + "/since_epoch"] = since.ToUnixTimeSeconds() + "\n";
        }

        public bool? KernelClockSynchronised()
        {
            KernelQueries++;
            return Synchronised;
        }

        public string? Read(string path) => Files.TryGetValue(path, out var text) ? text : null;

        public bool TryWrite(string path, string text)
        {
            Writes++;
            Files[path] = text;
            return true;
        }
    }
}
