using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Storage.Tests;

/// <summary>
/// A journal that comes back without its newest events never numbers new events with seqs it may already have handed
/// out, and says which seqs are gone in a <c>journal-tail-lost</c> event that continues the chain.
/// </summary>
public sealed class TailLossTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-tail-" + Guid.NewGuid().ToString("N")[..8]);

    private string DbPath => Path.Combine(_folder, "journal.db");

    private string SeqPath => Path.Combine(_folder, "journal.seq");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static EventDraft Draft(int i) => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = DateTimeOffset.UnixEpoch.AddSeconds(i),
        TimeSource = TimeSources.Ntp,
        Decision = Decisions.Allow,
        Reason = ReasonCodes.Valid,
        Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", $"E{i}"),
    };

    private static EntryEvent Read(JournaledEvent e) => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    /// <summary>Journals <paramref name="count"/> events, all acknowledged by the broker (so central has them), and closes the journal.</summary>
    private Dictionary<long, byte[]> PublishedJournal(int count)
    {
        var payloads = new Dictionary<long, byte[]>();
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        for (var i = 0; i < count; i += 500)
        {
            foreach (var e in journal.AppendRange([.. Enumerable.Range(i, Math.Min(500, count - i)).Select(Draft)]))
            {
                payloads[e.Seq] = e.Payload.ToArray();
            }
        }

        journal.MarkSent([.. payloads.Keys]);
        return payloads;
    }

    [Fact]
    public void Append_EnteringANewBlock_ReservesTheBlockInTheSeqFileFirst()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        Assert.False(File.Exists(SeqPath));

        journal.Append(Draft(0));
        Assert.Equal(1000, journal.ReservedThroughSeq);
        Assert.Equal(1000, new SeqReservation(SeqPath, SqliteEntryJournal.SeqBlock).ReservedThrough);

        journal.AppendRange([.. Enumerable.Range(1, 999).Select(Draft)]);
        Assert.Equal(1000, journal.ReservedThroughSeq);

        journal.Append(Draft(1000));
        Assert.Equal(2000, new SeqReservation(SeqPath, SqliteEntryJournal.SeqBlock).ReservedThrough);
        Assert.False(File.Exists(SeqPath + ".tmp"));
    }

    [Fact]
    public void Append_ReservationCannotBeWritten_RefusesTheEventAndJournalsNothing()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        Directory.CreateDirectory(SeqPath + ".tmp"); // the reservation's temporary file cannot be created

        Assert.ThrowsAny<IOException>(() => journal.Append(Draft(0)));
        Assert.Equal(0, journal.GetStats().LastSeq);
        Assert.Empty(journal.ReadUnsent(0, 10));

        Directory.Delete(SeqPath + ".tmp");
        Assert.Equal(1, journal.Append(Draft(1)).Seq);
        Assert.Equal(1000, new SeqReservation(SeqPath, SqliteEntryJournal.SeqBlock).ReservedThrough);
    }

    [Fact]
    public void Open_ReservationFileWithoutANumber_IsReportedAndWrittenAgain()
    {
        PublishedJournal(10);
        File.WriteAllText(SeqPath, "garbage\n");

        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        Assert.Equal("journal.seq holds no seq number", journal.OpenReport.SeqFileProblem);
        Assert.Null(journal.OpenReport.LostSeqs);
        Assert.Equal(11, journal.Append(Draft(10)).Seq);
        Assert.Equal(1000, new SeqReservation(SeqPath, SqliteEntryJournal.SeqBlock).ReservedThrough);
        Assert.Null(new SeqReservation(SeqPath, SqliteEntryJournal.SeqBlock).Problem);
    }

    [Fact]
    public void Reopen_TornTailAfterPublishing_NewEventsGetSeqsAboveEveryOneHandedOut_AndTheMarkerNamesTheLostRange()
    {
        var published = PublishedJournal(1500);
        TornJournal.CutTail(DbPath, keep: 0.75);

        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        var report = journal.OpenReport;
        Assert.True(report.Salvaged);
        var kept = journal.ReadUnsent(0, 10_000);
        var lastKept = kept[^2].Seq;
        Assert.InRange(lastKept, 1, 1499);
        Assert.All(kept.SkipLast(1), e => Assert.Equal(published[e.Seq], e.Payload.ToArray()));
        Assert.Equal(new LostSeqRange(lastKept + 1, 2000), report.LostSeqs);
        Assert.Contains($"seq {lastKept + 1}–2000 cannot be sent", report.Detail, StringComparison.Ordinal);

        // The marker: first event after the salvage, above the reservation, chained to the last event kept.
        var marker = Read(kept[^1]);
        Assert.Equal(2001, marker.Seq);
        Assert.Equal(EventTypes.System, marker.Type);
        Assert.Equal(new LostSeqRange(lastKept + 1, 2000), marker.LostSeqs);
        Assert.Equal(EventChain.Hash(published[lastKept]), marker.PrevHash);
        Assert.StartsWith(SqliteEntryJournal.TailLost + ": the journal was damaged", marker.Detail, StringComparison.Ordinal);
        Assert.Contains($"seq {lastKept + 1}–2000 cannot be sent (lost, or never used)", marker.Detail, StringComparison.Ordinal);

        // New events continue above every seq ever handed out, in the chain.
        var next = Read(journal.Append(Draft(5000)));
        Assert.Equal(2002, next.Seq);
        Assert.Equal(EventChain.Hash(kept[^1].Payload.Span), next.PrevHash);
        Assert.Equal(3000, journal.ReservedThroughSeq);
    }

    [Fact]
    public void Reopen_SalvagedButStoppedBeforeTheMarkerWasWritten_DeclaresTheLostTailOnTheNextOpen()
    {
        var published = PublishedJournal(1500);
        TornJournal.CutTail(DbPath, keep: 0.75);

        // The salvage commits, then the power goes before the journal writes its declaration.
        Assert.True(JournalRecovery.Check(DbPath).Salvaged);

        using (var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1"))
        {
            var report = journal.OpenReport;
            Assert.True(report.Salvaged);
            Assert.StartsWith("journal damaged: kept ", report.Detail, StringComparison.Ordinal);
            var kept = journal.ReadUnsent(0, 10_000);
            var lastKept = kept[^2].Seq;
            Assert.InRange(lastKept, 1, 1499);
            Assert.Equal(new LostSeqRange(lastKept + 1, 2000), report.LostSeqs);
            var marker = Read(kept[^1]);
            Assert.Equal(2001, marker.Seq);
            Assert.Equal(new LostSeqRange(lastKept + 1, 2000), marker.LostSeqs);
            Assert.Equal(EventChain.Hash(published[lastKept]), marker.PrevHash);
        }

        // Declared once: the next start finds an ordinary journal.
        using var again = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        Assert.False(again.OpenReport.Salvaged);
        Assert.Null(again.OpenReport.LostSeqs);
        Assert.Equal(2001, again.GetStats().LastSeq);
    }

    [Fact]
    public void Reopen_SalvageCutShortWhileRebuilding_FinishesItFromTheDamagedFiles()
    {
        var published = PublishedJournal(1500);
        TornJournal.CutTail(DbPath, keep: 0.75);
        string expectedKept;
        var reference = Path.Combine(_folder, "reference");
        Directory.CreateDirectory(reference);
        File.Copy(DbPath, Path.Combine(reference, "journal.db"));
        File.Copy(SeqPath, Path.Combine(reference, "journal.seq"));
        using (var uninterrupted = new SqliteEntryJournal(Path.Combine(reference, "journal.db"), "site-1", "kiosk-1"))
        {
            expectedKept = uninterrupted.OpenReport.Detail.Split("; damaged files")[0];
        }

        // The damaged files were set aside and the new journal was being written when the power went: an empty journal.
        File.Move(DbPath, DbPath + ".damaged-20261127T000000Z");
        File.WriteAllText(DbPath + JournalRecovery.SalvageMarkerSuffix, "journal.db.damaged-20261127T000000Z\nrebuilding\n");
        using (var partial = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            partial.Open();
            using var cmd = partial.CreateCommand();
            cmd.CommandText = SqliteEntryJournal.Schema;
            cmd.ExecuteNonQuery();
        }

        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        Assert.True(journal.OpenReport.Salvaged);
        Assert.StartsWith(expectedKept + "; damaged files kept as journal.db.damaged-20261127T000000Z", journal.OpenReport.Detail, StringComparison.Ordinal);
        var kept = journal.ReadUnsent(0, 10_000);
        var lastKept = kept[^2].Seq;
        Assert.True(lastKept > 1000, $"kept up to seq {lastKept}");
        Assert.All(kept.SkipLast(1), e => Assert.Equal(published[e.Seq], e.Payload.ToArray()));
        Assert.Equal(new LostSeqRange(lastKept + 1, 2000), Read(kept[^1]).LostSeqs);
        Assert.False(File.Exists(DbPath + JournalRecovery.SalvageMarkerSuffix));
    }

    [Fact]
    public void Reopen_TornASecondTime_DeclaresFromTheNewLastKeptEventUpToTheNewReservation()
    {
        PublishedJournal(1500);
        TornJournal.CutTail(DbPath, keep: 0.75);
        using (var first = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1"))
        {
            first.AppendRange([.. Enumerable.Range(0, 600).Select(Draft)]); // 2002–2601: reserved through 3000
        }

        TornJournal.CutTail(DbPath, keep: 0.5);
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        var events = journal.ReadUnsent(0, 10_000);
        var marker = Read(events[^1]);
        Assert.Equal(3001, marker.Seq);
        Assert.Equal(new LostSeqRange(events[^2].Seq + 1, 3000), marker.LostSeqs);
        Assert.Equal(EventChain.Hash(events[^2].Payload.Span), marker.PrevHash);
    }

    [Fact]
    public void Reopen_DatabaseRemoved_ContinuesAboveTheReservation_AndDeclaresEverySeqLost()
    {
        PublishedJournal(10);
        foreach (var file in Directory.GetFiles(_folder, "journal.db*"))
        {
            File.Delete(file);
        }

        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        Assert.False(journal.OpenReport.Salvaged);
        var marker = Read(Assert.Single(journal.ReadUnsent(0, 10)));
        Assert.Equal(1001, marker.Seq);
        Assert.Equal(new LostSeqRange(1, 1000), marker.LostSeqs);
        Assert.Equal(EventChain.Genesis, marker.PrevHash);
        Assert.StartsWith(SqliteEntryJournal.TailLost + ": the journal was found without events it had numbered", marker.Detail, StringComparison.Ordinal);
        Assert.Equal(1002, journal.Append(Draft(1)).Seq);
    }

    [Fact]
    public void Reopen_IntactButMoreThanABlockBehindItsReservation_DeclaresTheTailLost()
    {
        var published = PublishedJournal(2500); // reserved through 3000
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            // What SQLite's own recovery leaves when the last committed WAL frames never reached the card.
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "DELETE FROM journal WHERE seq > 1500";
            cmd.ExecuteNonQuery();
        }

        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        Assert.False(journal.OpenReport.Salvaged);
        Assert.Equal(new LostSeqRange(1501, 3000), journal.OpenReport.LostSeqs);
        var marker = Read(Assert.Single(journal.ReadUnsent(0, 10)));
        Assert.Equal((3001L, EventChain.Hash(published[1500])), (marker.Seq, marker.PrevHash));
    }

    [Fact]
    public void Reopen_IntactWithinItsBlock_ContinuesAfterTheLastEvent_WithoutDeclaringAnything()
    {
        var published = PublishedJournal(1500);

        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        Assert.Null(journal.OpenReport.LostSeqs);
        Assert.Empty(journal.ReadUnsent(0, 10));
        var next = Read(journal.Append(Draft(1500)));
        Assert.Equal((1501L, EventChain.Hash(published[1500])), (next.Seq, next.PrevHash));
        Assert.Null(next.LostSeqs);
    }
    [Fact]
    public void Reopen_SalvagedJournal_SingleUsePassesUsedBeforeTheDamage_StayUsed()
    {
        var expires = DateTimeOffset.UnixEpoch.AddDays(400);
        string[] used = ["pass-a", "pass-b", "pass-c"];
        using (var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1"))
        {
            foreach (var (passId, i) in used.Select((p, i) => (p, i)))
            {
                journal.Append(Draft(i) with { Credential = new CredentialRef(CredentialKinds.VisitorPass, "issuer", $"V{i}"), UsesPass = new Core.Credentials.Signed.SingleUsePass(passId, expires) });
            }
        }

        PublishedJournal(1500);
        TornJournal.CutTail(DbPath, keep: 0.75);

        using var reopened = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        Assert.True(reopened.OpenReport.Salvaged);
        Assert.All(used, passId => Assert.True(reopened.IsUsed(passId), $"{passId} is valid again after the salvage"));
        Assert.Contains("3 used single-use passes kept", reopened.OpenReport.Detail, StringComparison.Ordinal);
        Assert.False(reopened.IsUsed("pass-never-used"));
        var again = reopened.Append(Draft(9000) with { UsesPass = new Core.Credentials.Signed.SingleUsePass("pass-b", expires) });
        Assert.True(again.PassAlreadyUsed);
    }
}
