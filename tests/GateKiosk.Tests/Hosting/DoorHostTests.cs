using System.Device.Gpio;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Signalling;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Tests.Hosting;

public sealed class DoorHostTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-door-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Host_ExitButtonPressed_JournalsExitRequestAndReleasesDoor_StopLeavesOutputsSafe()
    {
        Directory.CreateDirectory(_data);
        await File.WriteAllTextAsync(Path.Combine(_data, "none.txt"), "");
        var driver = new FakeGpioDriver(TimeProvider.System);
        driver.SetInput(23, PinValue.Low); // door closed
        using var host = Program.BuildKioskHost(
            [
                "--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", $"--Kiosk:DataDirectory={_data}", "--Mqtt:Host=127.0.0.1", "--Mqtt:Port=1",
                "--Gpio:Driver=Simulated", "--Scanner:Source=File", $"--Scanner:Path={Path.Combine(_data, "none.txt")}", "--Display:Kind=Lcd1602",
            ],
            b => b.Services.AddSingleton(new GpioController(driver)));

        await host.StartAsync();
        var journal = host.Services.GetRequiredService<IEntryJournal>();
        var monitor = host.Services.GetRequiredService<DoorMonitor>();
        Assert.Equal("closed", monitor.State);
        Assert.All(driver.WritesTo(17), w => Assert.Equal(PinValue.High, w.Value));

        driver.SetInput(24, PinValue.Low);
        await Eventually.TrueAsync(() => driver.Level(17) == PinValue.Low, TimeSpan.FromSeconds(10), "relay released by the exit button");
        driver.SetInput(24, PinValue.High);
        var types = journal.ReadUnsent(0, 100).Select(e => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!).ToList();
        var exit = Assert.Single(types, e => e.Type == EventTypes.ExitRequest);
        Assert.Equal(ReasonCodes.ExitButton, exit.Reason);

        await host.StopAsync();

        Assert.Equal(PinValue.High, driver.Level(17));
        Assert.Equal(PinValue.Low, driver.Level(27));
        Assert.Equal(PinValue.Low, driver.Level(22));
        Assert.Equal(PinValue.Low, driver.Level(18));
    }
}
