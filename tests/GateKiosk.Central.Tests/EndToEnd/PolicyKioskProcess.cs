using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>
/// The kiosk as a real process reading central's policy: scans are written to a FIFO, decisions and policy events are
/// read back from its journal file, and what it logs is kept.
/// </summary>
internal sealed class PolicyKioskProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log;
    private readonly string _data;
    private StreamWriter? _scanner;

    private PolicyKioskProcess(Process process, ConcurrentQueue<string> log, string data, string fifo)
    {
        _process = process;
        _log = log;
        _data = data;
        Fifo = fifo;
    }

    public string Fifo { get; }

    /// <summary>Every line the process wrote, across its standard streams.</summary>
    public IReadOnlyCollection<string> Log => _log;

    public static Task<PolicyKioskProcess> StartAsync(string folder, int brokerPort, string policyKeyFile, string badgeHashKey, string kioskId = "gate-1", string site = "site-1") =>
        StartWithAsync(folder, brokerPort, kioskId, site, $"--Policy:PublicKeyFile={policyKeyFile}", $"--Policy:BadgeHashKey={badgeHashKey}");

    /// <summary>Starts a kiosk with <paramref name="extra"/> arguments and no policy unless they name one.</summary>
    public static async Task<PolicyKioskProcess> StartWithAsync(string folder, int brokerPort, string kioskId, string site, params string[] extra)
    {
        var data = Path.Combine(folder, kioskId);
        Directory.CreateDirectory(data);
        var fifo = Path.Combine(folder, kioskId + ".fifo");
        if (!File.Exists(fifo))
        {
            using var mkfifo = Process.Start("mkfifo", [fifo])!;
            await mkfifo.WaitForExitAsync();
        }

        var info = KioskExecutable.StartInfo(
            [
                "run",
                $"--Kiosk:SiteId={site}", $"--Kiosk:KioskId={kioskId}", $"--Kiosk:DataDirectory={data}",
                "--Gpio:Driver=Simulated", "--Scanner:Source=Fifo", $"--Scanner:Path={fifo}", "--Badges:Allowlist:0=BOOT1",
                "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={brokerPort.ToString(CultureInfo.InvariantCulture)}",
                "--Mqtt:ReconnectMinDelay=00:00:00.100", "--Mqtt:ReconnectMaxDelay=00:00:00.500",
                "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:GateKiosk.Core.Policy=Information",
                .. extra,
            ]);
        var log = new ConcurrentQueue<string>();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                log.Enqueue(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                log.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var kiosk = new PolicyKioskProcess(process, log, data, fifo);
        return kiosk;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Writes one scan to the FIFO (opening it first waits for the kiosk to read it).</summary>
    public async Task ScanAsync(string text)
    {
        _scanner ??= new StreamWriter(await Task.Run(() => new FileStream(Fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1)).WaitAsync(TimeSpan.FromSeconds(60))) { AutoFlush = true };
        await _scanner.WriteLineAsync(text);
    }

    /// <summary>Scans <paramref name="text"/> and returns the entry event the kiosk journaled for it.</summary>
    public async Task<JournalEntry> ScanAndReadAsync(string text)
    {
        var before = LastSeq();
        await ScanAsync(text);
        JournalEntry? entry = null;
        await Eventually.TrueAsync(
            () => (entry = Entries(before).FirstOrDefault(e => e.Type == "entry")) is not null,
            TimeSpan.FromSeconds(20),
            "the kiosk journals the scan");
        return entry!;
    }

    /// <summary>Scans until the decision is <paramref name="decision"/>; returns how long that took and the entry.</summary>
    public async Task<(TimeSpan Took, JournalEntry Entry)> ScanUntilAsync(string text, string decision, TimeSpan limit, DateTime since)
    {
        while (true)
        {
            var entry = await ScanAndReadAsync(text);
            if (entry.Decision == decision)
            {
                return (DateTime.UtcNow - since, entry);
            }

            if (DateTime.UtcNow - since > limit)
            {
                throw new TimeoutException($"'{decision}' not reached within {limit}; last {entry.Decision} ({entry.Reason}) with policy {entry.PolicyVersion}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The system events whose detail starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<string> SystemDetails(string prefix) =>
        [.. Entries(0).Where(e => e.Type == "system" && e.Detail?.StartsWith(prefix, StringComparison.Ordinal) == true).Select(e => e.Detail!)];

    public long LastSeq()
    {
        if (!File.Exists(JournalPath))
        {
            return 0;
        }

        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM journal";
        try
        {
            return (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // the kiosk has not created its journal yet
        }
    }

    public IReadOnlyList<JournalEntry> Entries(long afterSeq)
    {
        if (!File.Exists(JournalPath))
        {
            return [];
        }

        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT payload FROM journal WHERE seq > $s ORDER BY seq";
        cmd.Parameters.AddWithValue("$s", afterSeq);
        SqliteDataReader reader;
        try
        {
            reader = cmd.ExecuteReader();
        }
        catch (SqliteException) when (afterSeq == 0)
        {
            return []; // the kiosk has not created its journal yet
        }

        using var _ = reader;
        var entries = new List<JournalEntry>();
        while (reader.Read())
        {
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString((byte[])reader[0]));
            var root = doc.RootElement;
            entries.Add(new JournalEntry(
                root.GetProperty("seq").GetInt64(),
                root.GetProperty("type").GetString()!,
                root.TryGetProperty("decision", out var d) ? d.GetString() : null,
                root.TryGetProperty("reason", out var r) ? r.GetString() : null,
                root.TryGetProperty("credential", out var c) && c.TryGetProperty("issuer", out var i) ? i.GetString() : null,
                root.TryGetProperty("policyVersion", out var p) ? p.GetInt64() : 0,
                root.TryGetProperty("detail", out var det) ? det.GetString() : null));
        }

        return entries;
    }

    /// <summary>Kills the process (SIGKILL): the kiosk goes offline without a clean stop.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            _scanner?.Dispose();
        }
        catch (IOException)
        {
            // The reader is gone (EPIPE on the last flush).
        }

        _process.Dispose();
    }

    private string JournalPath => Path.Combine(_data, "journal.db");

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={JournalPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }
}

/// <summary>What a journaled event says, as far as these tests look.</summary>
internal sealed record JournalEntry(long Seq, string Type, string? Decision, string? Reason, string? Issuer, long PolicyVersion, string? Detail);
