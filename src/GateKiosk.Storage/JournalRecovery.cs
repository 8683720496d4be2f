using System.Globalization;
using System.Text.Json;
using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Storage;

/// <summary>What opening the journal found.</summary>
/// <param name="Salvaged">True when the files were damaged and a new journal was built from what could be read.</param>
/// <param name="Events">Events in the journal after opening.</param>
/// <param name="Detail">For a salvage: what was kept, what was lost and where the damaged files were moved.</param>
/// <param name="LostSeqs">
/// The seqs above the last event kept that may have been handed out before (the journal's reservation) and are declared
/// lost by a <c>journal-tail-lost</c> event; null when nothing above the last event can be missing.
/// </param>
/// <param name="SeqFileProblem">
/// Why <c>journal.seq</c> could not be used although it exists; null when it was read or is absent. Without it the
/// journal continues after its last event and cannot declare a lost tail.
/// </param>
public sealed record JournalOpenReport(bool Salvaged, long Events, string Detail, LostSeqRange? LostSeqs = null, string? SeqFileProblem = null);

/// <summary>
/// Checks the journal before use and salvages a damaged one. SQLite's WAL already survives a torn write of its
/// own log; this handles what it cannot (a truncated or overwritten database file): the damaged files are moved
/// aside, every event that can still be read (checked against its own <c>seq</c>) goes into a new journal as
/// unsent, and the report says what was lost. Nothing is silently dropped and nothing unreadable is invented.
/// </summary>
internal static class JournalRecovery
{
    /// <summary>
    /// Beside the journal while a salvage runs: the damaged files' name (first line) and the stage, <c>moving</c> (the
    /// damaged files are being set aside) or <c>rebuilding</c> (the new journal is being written). A salvage cut short
    /// by a power cut or a full disk is finished from it at the next start, so the events it was saving are not left
    /// behind in the damaged files.
    /// </summary>
    internal const string SalvageMarkerSuffix = ".salvaging";

    public static JournalOpenReport Check(string path)
    {
        if (File.Exists(path + SalvageMarkerSuffix))
        {
            return Salvage(path);
        }

        if (!File.Exists(path))
        {
            return new JournalOpenReport(false, 0, "new journal");
        }

        try
        {
            using var connection = Open(path, readOnly: false);
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA quick_check";
            if (cmd.ExecuteScalar() as string == "ok")
            {
                cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal'";
                if ((long)cmd.ExecuteScalar()! == 0)
                {
                    return new JournalOpenReport(false, 0, "new journal");
                }

                cmd.CommandText = "SELECT COUNT(*), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM journal";
                using var reader = cmd.ExecuteReader();
                reader.Read();
                return new JournalOpenReport(false, reader.GetInt64(0), $"intact: {reader.GetInt64(0)} events (seq {reader.GetInt64(1)}–{reader.GetInt64(2)})");
            }
        }
        catch (SqliteException)
        {
            // Damaged beyond what SQLite opens: salvage below.
        }

        SqliteConnection.ClearAllPools();
        return Salvage(path);
    }

    private static JournalOpenReport Salvage(string path)
    {
        var marker = path + SalvageMarkerSuffix;
        string[] suffixes = ["-wal", "-shm", ""];
        var (damaged, stage) = ReadMarker(marker, path) ?? (FreeDamagedName(path, suffixes), "moving");
        if (stage == "moving")
        {
            WriteMarker(marker, damaged, "moving");
            foreach (var suffix in suffixes)
            {
                // A rename is all or nothing: a file still here was not moved yet.
                if (File.Exists(path + suffix) && !File.Exists(damaged + suffix))
                {
                    File.Move(path + suffix, damaged + suffix);
                }
            }

            WriteMarker(marker, damaged, "rebuilding");
        }
        else
        {
            // The new journal was being written when the salvage stopped: start it again from the damaged files.
            foreach (var suffix in suffixes)
            {
                File.Delete(path + suffix);
            }
        }

        var rows = new SortedDictionary<long, (string EventId, long OccurredAt, byte[] Payload)>();
        Read(damaged, "ORDER BY seq", rows);
        Read(damaged, "ORDER BY seq DESC", rows);
        var passes = new Dictionary<string, (long ExpiresAt, long UsedAt)>(StringComparer.Ordinal);
        ReadUsedPasses(damaged, "ORDER BY pass_id", passes);
        ReadUsedPasses(damaged, "ORDER BY pass_id DESC", passes);

        var kept = rows.Count == 0 ? "no event could be read" : $"kept {rows.Count} events (seq {rows.Keys.First()}–{rows.Keys.Last()})";
        var lost = rows.Count == 0 ? 0 : rows.Keys.Last() - rows.Count;
        var detail = $"journal damaged: {kept}, {lost} missing below the last kept seq, {passes.Count} used single-use passes kept; damaged files kept as {Path.GetFileName(damaged)}; every kept event is queued to be sent again";
        using (var connection = Open(path, readOnly: false))
        {
            using var schema = connection.CreateCommand();
            schema.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; " + SqliteEntryJournal.Schema;
            schema.ExecuteNonQuery();
            using var tx = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO journal(seq, event_id, occurred_at, payload) VALUES ($seq, $id, $at, $payload)";
            foreach (var (seq, row) in rows)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$seq", seq);
                insert.Parameters.AddWithValue("$id", row.EventId);
                insert.Parameters.AddWithValue("$at", row.OccurredAt);
                insert.Parameters.AddWithValue("$payload", row.Payload);
                insert.ExecuteNonQuery();
            }

            // A pass used before the damage stays used: a salvage must not make it valid again.
            insert.CommandText = "INSERT INTO pass_use(pass_id, expires_at, used_at) VALUES ($id, $expires, $at)";
            foreach (var (passId, use) in passes)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$id", passId);
                insert.Parameters.AddWithValue("$expires", use.ExpiresAt);
                insert.Parameters.AddWithValue("$at", use.UsedAt);
                insert.ExecuteNonQuery();
            }

            // Until the journal writes its next event, it knows it was salvaged, even across a power cut.
            insert.Parameters.Clear();
            insert.CommandText = $"INSERT OR REPLACE INTO journal_state(key, value) VALUES ('{SqliteEntryJournal.SalvagedKey}', $detail)";
            insert.Parameters.AddWithValue("$detail", detail);
            insert.ExecuteNonQuery();
            tx.Commit();
        }

        File.Delete(marker);

        return new JournalOpenReport(true, rows.Count, detail);
    }

    /// <summary>A name for the damaged files that no earlier salvage used.</summary>
    private static string FreeDamagedName(string path, string[] suffixes)
    {
        var name = $"{path}.damaged-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var candidate = name;
        for (var n = 2; suffixes.Any(suffix => File.Exists(candidate + suffix)); n++)
        {
            candidate = $"{name}-{n}";
        }

        return candidate;
    }

    /// <summary>The damaged files' path and the stage of an interrupted salvage; null when there is none, or its marker is unreadable.</summary>
    private static (string Damaged, string Stage)? ReadMarker(string marker, string path)
    {
        try
        {
            var lines = File.ReadAllLines(marker);
            var damaged = lines.Length > 0 ? Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileName(lines[0].Trim())) : "";
            return lines.Length >= 2 && damaged.Length > 0 && lines[1].Trim() is "moving" or "rebuilding" ? (damaged, lines[1].Trim()) : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static void WriteMarker(string marker, string damaged, string stage)
    {
        var temporary = marker + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes($"{Path.GetFileName(damaged)}\n{stage}\n"));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, marker, overwrite: true);
        SeqReservation.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(marker))!);
    }

    /// <summary>Reads rows in the given order until the damage stops the cursor, keeping only rows whose payload is their own event.</summary>
    private static void Read(string path, string order, SortedDictionary<long, (string, long, byte[])> rows)
    {
        try
        {
            using var connection = Open(path, readOnly: true);
            using var cmd = connection.CreateCommand();
            // A database file cut short (its header counts more pages than it has) is refused as a whole unless
            // writable_schema is on; with it, the rows before the missing pages can still be read. Nothing is written.
            cmd.CommandText = "PRAGMA writable_schema=ON";
            cmd.ExecuteNonQuery();
            cmd.CommandText = "SELECT seq, event_id, occurred_at, payload FROM journal " + order;
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var seq = reader.GetInt64(0);
                var payload = (byte[])reader[3];
                if (!rows.ContainsKey(seq) && IsEvent(payload, seq, reader.GetString(1)))
                {
                    rows[seq] = (reader.GetString(1), reader.GetInt64(2), payload);
                }
            }
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or FormatException)
        {
            // The cursor hit damage; what was read before it is kept.
        }
    }

    /// <summary>Reads the used single-use passes in the given order until the damage stops the cursor.</summary>
    private static void ReadUsedPasses(string path, string order, Dictionary<string, (long, long)> passes)
    {
        try
        {
            using var connection = Open(path, readOnly: true);
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA writable_schema=ON";
            cmd.ExecuteNonQuery();
            cmd.CommandText = "SELECT pass_id, expires_at, used_at FROM pass_use " + order;
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetValue(0) is string { Length: > 0 and <= 256 } passId && reader.GetValue(1) is long expires && reader.GetValue(2) is long used)
                {
                    passes.TryAdd(passId, (expires, used));
                }
            }
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or FormatException)
        {
            // No such table (a journal from before single-use passes were kept), or the cursor hit damage: keep what was read.
        }
    }

    private static bool IsEvent(byte[] payload, long seq, string eventId)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            return root.GetProperty("seq").GetInt64() == seq && root.GetProperty("eventId").GetString() == eventId;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static SqliteConnection Open(string path, bool readOnly)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        }.ToString());
        connection.Open();
        return connection;
    }
}
