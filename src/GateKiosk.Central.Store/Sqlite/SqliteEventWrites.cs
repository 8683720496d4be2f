using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Stores a batch of events on the writer's transaction: each once by <c>eventId</c>, checked against its neighbours in
/// the kiosk's hash chain, and counted in the kiosk's summary in the same transaction.
/// </summary>
internal static class SqliteEventWrites
{
    private const string InsertSql = """
        INSERT OR IGNORE INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload, hash, prev_hash, lost_from, direction, credential_kind, time_source)
        VALUES ($id, $site, $kiosk, $seq, $at, $received, $type, $decision, $reason, $subject, $payload, $hash, $prev, $lost, $direction, $kind, $timeSource)
        """;

    private static readonly string[] InsertParameters =
        ["$id", "$site", "$kiosk", "$seq", "$at", "$received", "$type", "$decision", "$reason", "$subject", "$payload", "$hash", "$prev", "$lost", "$direction", "$kind", "$timeSource"];

    /// <summary>Stores <paramref name="events"/>; <paramref name="beforeInsert"/> runs before each (tests fail a batch in its middle there).</summary>
    public static StoreResult Store(
        SqliteConnection connection, SqliteTransaction tx, IReadOnlyList<(EntryEvent Entry, byte[] Payload)> events, long received, Action<EntryEvent>? beforeInsert)
    {
        var cmd = connection.Prepared(tx, InsertSql, InsertParameters);
        var p = cmd.Parameters;
        var added = 0;
        var duplicates = 0;
        var conflicts = new List<int>();
        for (var i = 0; i < events.Count; i++)
        {
            var (entry, bytes) = events[i];
            beforeInsert?.Invoke(entry);
            p[0].Value = entry.EventId.ToString();
            p[1].Value = entry.SiteId;
            p[2].Value = entry.KioskId;
            p[3].Value = entry.Seq;
            p[4].Value = entry.OccurredAt.ToUnixTimeMilliseconds();
            p[5].Value = received;
            p[6].Value = entry.Type;
            p[7].Value = (object?)entry.Decision ?? DBNull.Value;
            p[8].Value = (object?)entry.Reason ?? DBNull.Value;
            p[9].Value = (object?)entry.Credential?.SubjectId ?? DBNull.Value;
            p[10].Value = bytes;
            var hash = EventChain.Hash(bytes);
            p[11].Value = hash;
            p[12].Value = entry.PrevHash;
            var lostFrom = DeclaredLossFrom(entry);
            p[13].Value = (object?)lostFrom ?? DBNull.Value;
            p[14].Value = (object?)entry.Direction ?? DBNull.Value;
            p[15].Value = (object?)entry.Credential?.Kind ?? DBNull.Value;
            p[16].Value = (object?)entry.TimeSource ?? DBNull.Value;
            if (cmd.ExecuteNonQuery() == 1)
            {
                added++;
                var newSeq = CheckChain(connection, tx, entry, hash, lostFrom, received);
                CountEvent(connection, tx, entry, hash, newSeq, lostFrom is not null, received);
            }
            else if (SamePayload(connection, tx, entry.EventId, bytes))
            {
                duplicates++;
            }
            else
            {
                // The same eventId with other content: an edit or a forgery. The first one stays; this one is a break.
                conflicts.Add(i);
                RecordBreak(connection, tx, entry, entry.Seq, ChainBreakKinds.EventIdReused, received);
            }
        }

        return new StoreResult(added, duplicates, conflicts);
    }

    /// <summary>
    /// The first seq of the loss <paramref name="entry"/> declares, when the declaration is well formed: a range of at least
    /// one seq ending just below the event. Anything else is not honoured, so the chain checks see the event as it is.
    /// </summary>
    private static long? DeclaredLossFrom(EntryEvent entry) =>
        entry.LostSeqs is { } lost && lost.From >= 1 && lost.From <= lost.To && lost.To == entry.Seq - 1 ? lost.From : null;

    private static bool SamePayload(SqliteConnection connection, SqliteTransaction tx, Guid eventId, byte[] payload)
    {
        var cmd = connection.Prepared(tx, "SELECT payload, hash, redacted_at FROM events WHERE event_id = $id");
        cmd.Parameters.AddWithValue("$id", eventId.ToString());
        using var reader = cmd.ExecuteReader();

        // Retention removed the stored event's personal fields but kept the hash of the bytes it arrived with.
        return reader.Read() && (reader.IsDBNull(2)
            ? reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(payload)
            : EventChain.Hash(payload) == reader.GetString(1));
    }

    /// <summary>Counts a newly stored event in its kiosk's summary; <paramref name="newSeq"/> when no other event holds its seq.</summary>
    private static void CountEvent(SqliteConnection connection, SqliteTransaction tx, EntryEvent entry, string hash, bool newSeq, bool declaresLoss, long received)
    {
        // SET expressions read the row as it was before the update. The last seq's hash is the first event stored at it.
        var cmd = connection.Prepared(tx, """
            INSERT INTO kiosk_summaries(site_id, kiosk_id, events, seqs, last_seq, last_seq_received_at, last_event_at, chain_breaks, declares_loss, last_hash)
            VALUES ($site, $kiosk, 1, $newSeq, $seq, $received, $at, 0, $declares, $hash)
            ON CONFLICT(site_id, kiosk_id) DO UPDATE SET
                events = events + 1,
                seqs = seqs + excluded.seqs,
                last_seq_received_at = CASE WHEN excluded.last_seq >= last_seq THEN excluded.last_seq_received_at ELSE last_seq_received_at END,
                last_hash = CASE WHEN excluded.last_seq > last_seq THEN excluded.last_hash ELSE last_hash END,
                last_seq = MAX(last_seq, excluded.last_seq),
                last_event_at = MAX(COALESCE(last_event_at, excluded.last_event_at), excluded.last_event_at),
                declares_loss = MAX(declares_loss, excluded.declares_loss)
            """, ["$site", "$kiosk", "$newSeq", "$seq", "$received", "$at", "$declares", "$hash"]);
        var p = cmd.Parameters;
        p[0].Value = entry.SiteId;
        p[1].Value = entry.KioskId;
        p[2].Value = newSeq ? 1 : 0;
        p[3].Value = entry.Seq;
        p[4].Value = received;
        p[5].Value = entry.OccurredAt.ToUnixTimeMilliseconds();
        p[6].Value = declaresLoss ? 1 : 0;
        p[7].Value = hash;
        cmd.ExecuteNonQuery();
    }

    /// <summary>What the kiosk's summary says of its chain before an event is checked; null when it has no summary yet.</summary>
    private readonly record struct ChainState(long LastSeq, string? LastHash, long Breaks, bool DeclaresLoss);

    private static ChainState? ReadChainState(SqliteConnection connection, SqliteTransaction tx, EntryEvent entry)
    {
        var cmd = connection.Prepared(
            tx, "SELECT last_seq, last_hash, chain_breaks, declares_loss FROM kiosk_summaries WHERE site_id = $site AND kiosk_id = $kiosk", ["$site", "$kiosk"]);
        cmd.Parameters[0].Value = entry.SiteId;
        cmd.Parameters[1].Value = entry.KioskId;
        using var reader = cmd.ExecuteReader();
        return reader.Read()
            ? new ChainState(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3) != 0)
            : null;
    }

    /// <summary>
    /// Checks a newly stored event against its neighbours: its predecessor's hash must be its <c>prevHash</c>, its
    /// successors' <c>prevHash</c> must be its hash, and no other event may carry its <c>seq</c>. Breaks are recorded.
    /// The predecessor is the event before it, or, for an event that declares seqs lost, the event before the lost range;
    /// such an event is in turn the successor of that earlier event, not of the one just below it. True when no other
    /// event holds the seq.
    /// </summary>
    private static bool CheckChain(SqliteConnection connection, SqliteTransaction tx, EntryEvent entry, string hash, long? lostFrom, long detectedAt)
    {
        var prevSeq = (lostFrom ?? entry.Seq) - 1;

        // Above the kiosk's last seq, of a kiosk whose chain is whole and that never declared a loss, and declaring none
        // itself (how events arrive almost always): no event holds this seq or the next, none declares a loss that
        // resumes here, and the predecessor, if stored, is the last event, whose hash the summary keeps.
        if (lostFrom is null && ReadChainState(connection, tx, entry) is var state
            && (state is null || (state.Value.Breaks == 0 && !state.Value.DeclaresLoss && entry.Seq > state.Value.LastSeq)))
        {
            var last = state ?? new ChainState(0, null, 0, false);
            var predecessor = prevSeq == last.LastSeq && prevSeq > 0 ? last.LastHash : null;
            if ((prevSeq == 0 && entry.PrevHash != EventChain.Genesis) || (predecessor is not null && predecessor != entry.PrevHash))
            {
                RecordBreak(connection, tx, entry, entry.Seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
            }

            return true;
        }

        var cmd = connection.Prepared(tx, """
            SELECT
              (SELECT hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $prevSeq LIMIT 1),
              (SELECT prev_hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq + 1 AND lost_from IS NULL LIMIT 1),
              (SELECT COUNT(*) FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND seq = $seq),
              (SELECT declares_loss FROM kiosk_summaries WHERE site_id = $site AND kiosk_id = $kiosk)
            """);
        cmd.Parameters.AddWithValue("$site", entry.SiteId);
        cmd.Parameters.AddWithValue("$kiosk", entry.KioskId);
        cmd.Parameters.AddWithValue("$seq", entry.Seq);
        cmd.Parameters.AddWithValue("$prevSeq", prevSeq);
        string? before;
        string? after;
        long sameSeq;
        bool kioskDeclaredLoss;
        using (var reader = cmd.ExecuteReader())
        {
            reader.Read();
            before = reader.IsDBNull(0) ? null : reader.GetString(0);
            after = reader.IsDBNull(1) ? null : reader.GetString(1);
            sameSeq = reader.GetInt64(2);
            kioskDeclaredLoss = !reader.IsDBNull(3) && reader.GetInt64(3) != 0;
        }

        if (prevSeq == 0 && entry.PrevHash != EventChain.Genesis)
        {
            RecordBreak(connection, tx, entry, entry.Seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        if (before is not null && before != entry.PrevHash)
        {
            RecordBreak(connection, tx, entry, entry.Seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        if (after is not null && after != hash)
        {
            RecordBreak(connection, tx, entry, entry.Seq + 1, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        // Events already stored that declare a loss starting just above this event chain to it. Only a kiosk whose summary
        // says it declared a loss can have one, which is rare: the others skip the query.
        var resumed = new List<(long Seq, string PrevHash)>();
        if (kioskDeclaredLoss)
        {
            cmd = connection.Prepared(tx, "SELECT seq, prev_hash FROM events WHERE site_id = $site AND kiosk_id = $kiosk AND lost_from = $seq + 1");
            cmd.Parameters.AddWithValue("$site", entry.SiteId);
            cmd.Parameters.AddWithValue("$kiosk", entry.KioskId);
            cmd.Parameters.AddWithValue("$seq", entry.Seq);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                resumed.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        foreach (var (seq, _) in resumed.Where(r => r.PrevHash != hash))
        {
            RecordBreak(connection, tx, entry, seq, ChainBreakKinds.PrevHashMismatch, detectedAt);
        }

        if (sameSeq > 1)
        {
            RecordBreak(connection, tx, entry, entry.Seq, ChainBreakKinds.DuplicateSeq, detectedAt);
        }

        return sameSeq == 1;
    }

    /// <summary>Records a break once, and counts it in the kiosk's summary when it is new.</summary>
    private static void RecordBreak(SqliteConnection connection, SqliteTransaction tx, EntryEvent entry, long seq, string kind, long detectedAt)
    {
        var cmd = connection.Prepared(tx, """
            INSERT OR IGNORE INTO chain_breaks(site_id, kiosk_id, seq, kind, detected_at) VALUES ($site, $kiosk, $seq, $kind, $at);
            INSERT INTO kiosk_summaries(site_id, kiosk_id, events, seqs, last_seq, last_seq_received_at, last_event_at, chain_breaks, declares_loss)
            SELECT $site, $kiosk, 0, 0, 0, 0, NULL, 1, 0 WHERE changes() = 1
            ON CONFLICT(site_id, kiosk_id) DO UPDATE SET chain_breaks = chain_breaks + 1;
            """);
        cmd.Parameters.AddWithValue("$site", entry.SiteId);
        cmd.Parameters.AddWithValue("$kiosk", entry.KioskId);
        cmd.Parameters.AddWithValue("$seq", seq);
        cmd.Parameters.AddWithValue("$kind", kind);
        cmd.Parameters.AddWithValue("$at", detectedAt);
        cmd.ExecuteNonQuery();
    }
}
