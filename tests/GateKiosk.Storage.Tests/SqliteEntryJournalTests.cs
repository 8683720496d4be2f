using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;

namespace GateKiosk.Storage.Tests;

public sealed class SqliteEntryJournalTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-journal-" + Guid.NewGuid().ToString("N")[..8]);

    private string DbPath => Path.Combine(_folder, "journal.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static EventDraft Draft(string reason = ReasonCodes.Valid) => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = new DateTimeOffset(2026, 11, 27, 8, 0, 0, 123, TimeSpan.Zero).AddTicks(4567),
        TimeSource = TimeSources.Rtc,
        Decision = Decisions.Allow,
        Reason = reason,
        Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", "E1"),
        LatencyUs = 42,
    };

    private static EntryEvent Read(JournaledEvent e) => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    [Fact]
    public void Append_SealsIdsSeqAndChain()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        var first = journal.Append(Draft());
        var second = journal.Append(Draft());

        var a = Read(first);
        var b = Read(second);
        Assert.Equal((1L, 2L), (a.Seq, b.Seq));
        Assert.Equal(EventChain.Genesis, a.PrevHash);
        Assert.Equal(EventChain.Hash(first.Payload.Span), b.PrevHash);
        Assert.Equal(7, (int)((a.EventId.ToByteArray(bigEndian: true)[6] & 0xF0) >> 4));
        Assert.Equal(("site-1", "kiosk-1"), (a.SiteId, a.KioskId));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 8, 0, 0, 123, TimeSpan.Zero), a.OccurredAt);
        Assert.Contains("\"occurredAt\":\"2026-11-27T08:00:00.123Z\"", System.Text.Encoding.UTF8.GetString(first.Payload.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Reopen_ContinuesSeqAndChainFromDisk()
    {
        JournaledEvent last;
        using (var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1"))
        {
            journal.Append(Draft());
            last = journal.Append(Draft());
        }

        using var reopened = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        var next = Read(reopened.Append(Draft()));

        Assert.Equal(3, next.Seq);
        Assert.Equal(EventChain.Hash(last.Payload.Span), next.PrevHash);
    }

    [Fact]
    public void ReadUnsent_AndMarkSent_TrackTheOutbox()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        var written = Enumerable.Range(0, 5).Select(_ => journal.Append(Draft())).ToList();

        journal.MarkSent([1, 2]);

        var unsent = journal.ReadUnsent(0, 10);
        Assert.Equal([3L, 4, 5], unsent.Select(e => e.Seq));
        Assert.Equal(written[2].Payload.ToArray(), unsent[0].Payload.ToArray());
        Assert.Equal([5L], journal.ReadUnsent(4, 10).Select(e => e.Seq));
        var stats = journal.GetStats();
        Assert.Equal((5L, 3L), (stats.LastSeq, stats.Unsent));
        Assert.NotNull(stats.OldestUnsentAt);
        Assert.True(stats.SizeBytes > 0);
    }

    [Fact]
    public async Task WaitForAppendAsync_CompletesOnTheNextAppend()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        var waiting = journal.WaitForAppendAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        journal.Append(Draft());

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Open_UsesWalAndFullSync()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        journal.Append(Draft());

        Assert.True(File.Exists(DbPath + "-wal"));
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }
}
