using System.Diagnostics;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>
/// The kiosk as a real process, fed a steady stream of scans through a FIFO, killed with SIGKILL at random
/// moments and restarted, while the Mosquitto broker (persistence on) is restarted too. Afterwards central must
/// hold exactly the kiosk's journal.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Kills = 20;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-chaos-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task KioskKilledTwentyTimes_BrokerRestartedTwice_CentralHoldsExactlyTheJournal()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        await using var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:ReconnectMinDelay"] = "00:00:00.100",
            ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
            ["Logging:LogLevel:Default"] = "Error",

            // A broker acknowledges before its snapshot reaches the disk, so a restart can lose acknowledged events;
            // central's gap check asks the kiosk to resend them. Checked every 2 s here instead of every minute.
            ["Central:ResendCheckInterval"] = "00:00:02",
        });
        await central.WaitSubscribedAsync();

        var fifo = Path.Combine(_folder, "scans.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }

        using var stopScanning = new CancellationTokenSource();
        var scanner = Task.Run(() => FeedScansAsync(fifo, stopScanning.Token));
        var random = new Random(20261127);
        var brokerRestarts = 0;
        for (var kill = 1; kill <= Kills; kill++)
        {
            using var kiosk = StartKiosk(broker.Port, fifo);
            await Task.Delay(random.Next(300, 1500));
            Assert.False(kiosk.HasExited, "the kiosk process ended by itself");
            kiosk.Kill();
            await kiosk.WaitForExitAsync();

            if (kill % 8 == 0)
            {
                await broker.StopAsync();
                await broker.StartAsync();
                brokerRestarts++;
            }
        }

        // A last run that is not killed: it drains everything, then stops cleanly.
        using (var last = StartKiosk(broker.Port, fifo))
        {
            var before = LastSeq();
            await Eventually.TrueAsync(() => LastSeq() > before + 20, TimeSpan.FromSeconds(30), "the last kiosk journals scans");
            await stopScanning.CancelAsync();
            Unblock(fifo);
            await scanner;
            await Eventually.TrueAsync(() => CountUnsent() == 0, TimeSpan.FromSeconds(60), "the kiosk's outbox drains");
            using (var term = Process.Start("kill", ["-TERM", last.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await last.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, last.ExitCode);
        }

        // The stop event is flushed for at most 2 s; on a loaded machine it may still be unsent, as after a power
        // cut. Then the kiosk's next start sends it (and its own start event), like in the field.
        for (var attempt = 0; CountUnsent() > 0 && attempt < 3; attempt++)
        {
            var before = LastSeq();
            using var next = StartKiosk(broker.Port, fifo);
            await Eventually.TrueAsync(() => LastSeq() > before && CountUnsent() == 0, TimeSpan.FromSeconds(60), "the next start drains the rest");
            next.Kill();
            await next.WaitForExitAsync();
        }

        var journal = ReadJournal();
        Assert.Equal(0, CountUnsent());
        try
        {
            await Eventually.TrueAsync(async () => (await KioskAsync(central))?.Events >= journal.Count, TimeSpan.FromSeconds(90), "central holds the whole journal");
        }
        catch (TimeoutException)
        {
            output.WriteLine($"journal {journal.Count} events; central: {await central.Http.GetStringAsync("/api/kiosks/site-1/gate-1/chain")}");
            throw;
        }

        var held = (await central.AllEventsAsync("kiosk=gate-1&limit=1000"))
            .Select(item => (Seq: item.GetProperty("seq").GetInt64(), EventId: item.GetProperty("eventId").GetString()!, Payload: item.GetRawText()))
            .ToList();
        var (stored, duplicates, rejected) = central.Services.GetRequiredService<MqttEventCollector>().Counters;
        var resendRequests = central.Services.GetRequiredService<ChainRepairService>().Requested;

        output.WriteLine($"kiosk: {KioskExecutable.Description}");
        output.WriteLine($"kills {Kills}, broker restarts {brokerRestarts}; journal {journal.Count} events (seq 1–{journal[^1].Seq}); " +
            $"central holds {held.Count} ({held.Select(h => h.EventId).Distinct().Count()} distinct event ids); duplicates absorbed {duplicates}, rejected {rejected}; resend requests {resendRequests}");

        Assert.True(brokerRestarts >= 2);
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), journal.Select(j => j.Seq));
        var prev = EventChain.Genesis;
        foreach (var (seq, _, payload) in journal)
        {
            using var doc = JsonDocument.Parse(payload);
            Assert.Equal(prev, doc.RootElement.GetProperty("prevHash").GetString());
            prev = EventChain.Hash(Encoding.UTF8.GetBytes(payload));
        }

        Assert.Equal(journal.Count, held.Count);
        Assert.Equal(journal.Select(j => (j.Seq, j.EventId, j.Payload)).Order(), held.Order());
        Assert.Equal(0, (await KioskAsync(central))!.Missing);
        Assert.Equal(0, rejected);
        Assert.Equal(held.Count, stored);
        await central.StopAsync();
    }

    private Process StartKiosk(int brokerPort, string fifo)
    {
        var info = KioskExecutable.StartInfo(
            "run",
            "--Kiosk:SiteId=site-1", "--Kiosk:KioskId=gate-1", $"--Kiosk:DataDirectory={Path.Combine(_folder, "kiosk")}",
            "--Gpio:Driver=Simulated", "--Scanner:Source=Fifo", $"--Scanner:Path={fifo}", "--Badges:Allowlist:0=E1001",
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={brokerPort}", "--Mqtt:ReconnectMinDelay=00:00:00.100", "--Mqtt:ReconnectMaxDelay=00:00:00.500",
            "--Logging:LogLevel:Default=Error");

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                output.WriteLine("kiosk: " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Writes a scan every few milliseconds; when the kiosk dies, waits for the next one to open the FIFO.</summary>
    private static async Task FeedScansAsync(string fifo, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var writer = new StreamWriter(new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1)) { AutoFlush = true };
                while (!stop.IsCancellationRequested)
                {
                    await writer.WriteLineAsync(n++ % 4 == 0 ? "E9999" : "E1001");
                    await Task.Delay(8, CancellationToken.None);
                }
            }
            catch (IOException)
            {
                // The reader was killed (EPIPE): open again, which waits for the next kiosk.
            }
        }
    }

    /// <summary>Opens the FIFO for reading once so a writer blocked in open() returns.</summary>
    private static void Unblock(string fifo)
    {
        using var reader = new FileStream(fifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
    }

    private SqliteConnection OpenJournal()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "kiosk", "journal.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    private long LastSeq()
    {
        if (!File.Exists(Path.Combine(_folder, "kiosk", "journal.db")))
        {
            return 0;
        }

        using var connection = OpenJournal();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM journal";
        return (long)cmd.ExecuteScalar()!;
    }

    private long CountUnsent()
    {
        using var connection = OpenJournal();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM outbox";
        return (long)cmd.ExecuteScalar()!;
    }

    private List<(long Seq, string EventId, string Payload)> ReadJournal()
    {
        using var connection = OpenJournal();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq, event_id, payload FROM journal ORDER BY seq";
        using var reader = cmd.ExecuteReader();
        var rows = new List<(long, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), Encoding.UTF8.GetString((byte[])reader[2])));
        }

        return rows;
    }

    private static async Task<KioskSummary?> KioskAsync(RunningCentral central) =>
        (await central.KiosksAsync())?.FirstOrDefault(k => k.KioskId == "gate-1");
}
