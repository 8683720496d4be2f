using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Storage.Tests;

/// <summary>What each of the journal's connections commits with, and that the WAL is checkpointed off the append path.</summary>
public sealed class JournalDurabilityTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-durable-" + Guid.NewGuid().ToString("N")[..8]);

    private string DbPath => Path.Combine(_folder, "journal.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static EventDraft Draft() => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero),
        TimeSource = TimeSources.Ntp,
        Decision = Decisions.Allow,
        Reason = ReasonCodes.Valid,
        Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", "E1001"),
    };

    private static object? Pragma(SqliteConnection connection, string name)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA " + name;
        return cmd.ExecuteScalar();
    }

    [Fact]
    public void Dispose_Twice_SecondCallDoesNothing()
    {
        // The kiosk host registers one journal as several services and disposes it once for each.
        var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        journal.Append(Draft());
        journal.Dispose();
        var second = Record.Exception(journal.Dispose);
        Assert.Null(second);
    }

    [Fact]
    public void WritingConnections_EachRole_WalWithItsDurability()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        journal.Append(Draft());

        // synchronous: 2 = FULL (an entry, and the checkpoint that lets the WAL be reused, survive a power cut),
        // 1 = NORMAL (only the publisher's sent marks and prunes: a lost one means a resend central absorbs).
        var expected = new Dictionary<string, long> { ["append"] = 2, ["checkpoint"] = 2, ["outbox"] = 1 };
        var seen = journal.WritingConnections.Select(c => (c.Role, Mode: Pragma(c.Connection, "journal_mode"), Sync: Pragma(c.Connection, "synchronous"))).ToList();

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), seen.Select(c => c.Role).Order(StringComparer.Ordinal));
        Assert.All(seen, c => Assert.Equal(("wal", expected[c.Role]), (c.Mode, c.Sync)));
    }

    [Fact]
    public void WritingConnections_AppendAndOutbox_NeverCheckpointInsideTheirCommits()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");

        // SQLite's automatic checkpoint runs inside the commit that crosses its threshold, holding the write lock a
        // scan waits for; only the background checkpoint connection checkpoints.
        var automatic = journal.WritingConnections.Where(c => c.Role != "checkpoint").ToDictionary(c => c.Role, c => Convert.ToInt64(Pragma(c.Connection, "wal_autocheckpoint"), System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(new Dictionary<string, long> { ["append"] = 0, ["outbox"] = 0 }, automatic);
    }

    [Fact]
    public async Task Append_WriterNeverCheckpoints_WalStillBoundedByBackgroundCheckpoint()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        var writer = journal.WritingConnections.Single(c => c.Role == "append").Connection;
        Assert.Equal(0L, Pragma(writer, "wal_autocheckpoint"));

        long walAfterFirstRound = 0;
        for (var round = 0; round < 4; round++)
        {
            var checkpointed = journal.WaitForCheckpointAsync(CancellationToken.None);
            for (var i = 0; i < SqliteEntryJournal.CheckpointEvery; i++)
            {
                journal.Append(Draft());
            }

            await checkpointed.WaitAsync(TimeSpan.FromSeconds(30)); // the background checkpoint ran
            if (round == 0)
            {
                walAfterFirstRound = new FileInfo(DbPath + "-wal").Length;
            }
        }

        // Without checkpoints the WAL would hold all four rounds; checkpointed, each round reuses it from the start.
        Assert.InRange(new FileInfo(DbPath + "-wal").Length, 1, walAfterFirstRound * 2);
        Assert.Equal(4 * SqliteEntryJournal.CheckpointEvery, journal.GetStats().LastSeq);
    }

    [Fact]
    public async Task Checkpoint_DueWhileAppendsContinue_WaitsForAPauseInAppends()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1", new JournalOptions(), time);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        journal.WaitingForPause += () => waiting.TrySetResult();
        var checkpointed = journal.WaitForCheckpointAsync(CancellationToken.None);
        for (var i = 0; i < SqliteEntryJournal.CheckpointEvery; i++)
        {
            journal.Append(Draft());
        }

        // Due, but the last append was just now by the clock: the checkpoint waits instead of competing with the next scan.
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(checkpointed.IsCompleted);

        time.Advance(SqliteEntryJournal.CheckpointIdleGap);
        await checkpointed.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Checkpoint_AppendsNeverPause_RunsAfterTheForceThreshold()
    {
        // The clock never moves, so appends never pause: the WAL must still be checkpointed.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1", new JournalOptions(), time);
        var checkpointed = journal.WaitForCheckpointAsync(CancellationToken.None);
        for (var i = 0; i < SqliteEntryJournal.CheckpointForceAfter; i++)
        {
            journal.Append(Draft());
        }

        await checkpointed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SqliteEntryJournal.CheckpointForceAfter, journal.GetStats().LastSeq);
    }

    [Fact]
    public void Checkpoint_WhileAppending_CompletesTheWal()
    {
        using var journal = new SqliteEntryJournal(DbPath, "site-1", "kiosk-1");
        for (var i = 0; i < 50; i++)
        {
            journal.Append(Draft());
        }

        var (frames, checkpointed) = journal.Checkpoint();

        Assert.True(frames > 0);
        Assert.Equal(frames, checkpointed);
    }
}
