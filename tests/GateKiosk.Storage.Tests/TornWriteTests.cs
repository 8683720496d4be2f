using System.Text;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Xunit.Abstractions;

namespace GateKiosk.Storage.Tests;

/// <summary>The journal's files cut at random offsets: opening never crashes, never invents an event, and says what it kept.</summary>
public sealed class TornWriteTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-torn-" + Guid.NewGuid().ToString("N")[..8]);

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

    [Fact]
    public void Open_FilesCutAtRandomOffsets_NeverCrashes_KeepsOnlyRealEvents_AndReports()
    {
        // A journal whose latest events are still in the WAL, copied as a crash would leave it.
        var source = Path.Combine(_folder, "source", "journal.db");
        var originals = new Dictionary<long, string>();
        using (var journal = new SqliteEntryJournal(source, "site-1", "kiosk-1"))
        {
            foreach (var e in journal.AppendRange([.. Enumerable.Range(0, 400).Select(Draft)]))
            {
                originals[e.Seq] = Encoding.UTF8.GetString(e.Payload.Span);
            }

            // The first 400 move into the database file; the last 50 stay in the WAL.
            using (var checkpoint = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={source};Pooling=False"))
            {
                checkpoint.Open();
                using var cmd = checkpoint.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                cmd.ExecuteNonQuery();
            }

            for (var i = 400; i < 450; i++)
            {
                var e = journal.Append(Draft(i));
                originals[e.Seq] = Encoding.UTF8.GetString(e.Payload.Span);
            }

            journal.MarkSent([.. Enumerable.Range(1, 100).Select(i => (long)i)]);
            foreach (var suffix in new[] { "", "-wal" })
            {
                File.Copy(source + suffix, Path.Combine(_folder, "pristine" + suffix));
            }
        }

        var random = new Random(42);
        var (intact, salvaged, keptTotal) = (0, 0, 0L);
        for (var trial = 0; trial < 40; trial++)
        {
            var dir = Path.Combine(_folder, $"trial{trial}");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, "journal.db");
            File.Copy(Path.Combine(_folder, "pristine"), path);
            File.Copy(Path.Combine(_folder, "pristine-wal"), path + "-wal");
            var victim = trial % 2 == 0 ? path + "-wal" : path;
            using (var file = new FileStream(victim, FileMode.Open))
            {
                file.SetLength(random.NextInt64(0, file.Length));
            }

            using var journal = new SqliteEntryJournal(path, "site-1", "kiosk-1");
            var report = journal.OpenReport;
            output.WriteLine($"cut {Path.GetFileName(victim)}: {report.Detail}");
            var kept = journal.ReadUnsent(0, 10_000);
            Assert.All(kept, e => Assert.Equal(originals[e.Seq], Encoding.UTF8.GetString(e.Payload.Span)));
            (intact, salvaged, keptTotal) = report.Salvaged ? (intact, salvaged + 1, keptTotal + report.Events) : (intact + 1, salvaged, keptTotal + report.Events);
            if (report.Salvaged)
            {
                Assert.Contains("damaged", report.Detail, StringComparison.Ordinal);
                Assert.NotEmpty(Directory.GetFiles(dir, "journal.db.damaged-*"));
            }

            // Still a working journal: the next event continues after the last one kept.
            var next = journal.Append(Draft(1000));
            Assert.Equal(journal.GetStats().LastSeq, next.Seq);
        }

        output.WriteLine($"40 cuts (20 in the WAL, 20 in the database file): {intact} opened intact (SQLite's own WAL recovery), {salvaged} salvaged; {keptTotal / 40.0:F0} of 450 events kept on average");
        Assert.True(intact > 0 && salvaged > 0, "the trials should cover both outcomes");
    }

    [Fact]
    public void Open_ClosedJournalCutAtRandomOffsets_WithItsSeqReservation_NeverReusesASeq()
    {
        // A closed journal (everything in the database file) with its reservation file: seqs 1–450 used, 1–1000 reserved.
        var source = Path.Combine(_folder, "source", "journal.db");
        var originals = new Dictionary<long, byte[]>();
        using (var journal = new SqliteEntryJournal(source, "site-1", "kiosk-1"))
        {
            foreach (var e in journal.AppendRange([.. Enumerable.Range(0, 450).Select(Draft)]))
            {
                originals[e.Seq] = e.Payload.ToArray();
            }

            journal.MarkSent([.. originals.Keys]);
        }

        var random = new Random(7);
        for (var trial = 0; trial < 20; trial++)
        {
            var dir = Path.Combine(_folder, $"closed{trial}");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, "journal.db");
            File.Copy(source, path);
            File.Copy(Path.Combine(_folder, "source", "journal.seq"), Path.Combine(dir, "journal.seq"));
            using (var file = new FileStream(path, FileMode.Open))
            {
                file.SetLength(random.NextInt64(0, file.Length));
            }

            using var journal = new SqliteEntryJournal(path, "site-1", "kiosk-1");
            var report = journal.OpenReport;
            output.WriteLine($"cut: {report.Detail}");
            var events = journal.ReadUnsent(0, 10_000);
            var next = journal.Append(Draft(1000));
            if (report.LostSeqs is null)
            {
                // Nothing can be missing: the journal opened with every event and continues after the last one.
                Assert.False(report.Salvaged);
                Assert.Equal(451, next.Seq);
                continue;
            }

            // Every kept event is genuine, then the marker declares the rest of the reservation lost and chains to the last kept one.
            var kept = events.SkipLast(1).ToList();
            Assert.All(kept, e => Assert.Equal(originals[e.Seq], e.Payload.ToArray()));
            var marker = System.Text.Json.JsonSerializer.Deserialize(events[^1].Payload.Span, ContractsJsonContext.Default.EntryEvent)!;
            var lastKept = kept.Count == 0 ? 0 : kept[^1].Seq;
            Assert.Equal((1001L, new LostSeqRange(lastKept + 1, 1000)), (marker.Seq, marker.LostSeqs));
            Assert.Equal(lastKept == 0 ? EventChain.Genesis : EventChain.Hash(originals[lastKept]), marker.PrevHash);
            Assert.Equal(1002, next.Seq);
        }
    }
}
