using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Publishing;
using GateKiosk.Core.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Tests.Hosting;

public sealed class TelemetryTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-telemetry-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public void Snapshot_KioskHost_ReportsOutboxClockDoorAndReader()
    {
        using var host = Program.BuildKioskHost(
            ["--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", "--Gpio:Driver=Simulated", "--Badges:Allowlist:0=E1"]);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        pipeline.Process(new RawScan("E1", TimeProvider.System.GetTimestamp(), "test"));
        pipeline.Process(new RawScan("E2", TimeProvider.System.GetTimestamp(), "test"));

        var snapshot = host.Services.GetRequiredService<IKioskTelemetry>().Snapshot();

        Assert.Equal(("gate-1", "site-1"), (snapshot.KioskId, snapshot.SiteId));
        Assert.Equal(2, snapshot.Outbox.Unsent);
        Assert.Equal(2, snapshot.Outbox.LastSeq);
        Assert.NotNull(snapshot.Outbox.OldestUnsentAgeSeconds);
        Assert.Contains(snapshot.ClockSource, new[] { TimeSources.Ntp, TimeSources.Rtc, TimeSources.None });
        Assert.NotNull(snapshot.Scanner);
        Assert.Equal("stdin", snapshot.Scanner!.Source);
        Assert.NotNull(snapshot.Journal);
        Assert.Equal(JournalTelemetry.Normal, snapshot.Journal!.Pressure);
        Assert.True(snapshot.Journal.UsedBytes > 0 && snapshot.Journal.UsedBytes < snapshot.Journal.MaxBytes);
        Assert.Null(ContractValidation.CheckTelemetry(snapshot));
    }
}
