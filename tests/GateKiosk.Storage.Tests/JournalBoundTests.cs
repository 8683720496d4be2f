using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Storage.Tests;

/// <summary>The size bound: retention and pressure pruning, the alarm, and a full journal.</summary>
public sealed class JournalBoundTests : IDisposable
{
    private const long SmallSize = 256 * 1024;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-bound-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(_folder, "journal.db");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private SqliteEntryJournal Open(long maxSize = SmallSize) =>
        new(DbPath, "site-1", "kiosk-1", new JournalOptions { MaxSize = maxSize, SentRetention = TimeSpan.FromDays(30) }, _time);

    private EventDraft Draft() => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = _time.GetUtcNow(),
        TimeSource = TimeSources.Ntp,
        Decision = Decisions.Allow,
        Reason = ReasonCodes.Valid,
        Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", "E1"),
        Detail = new string('x', 200),
    };

    /// <summary>Appends in small bursts until the journal uses at least <paramref name="fraction"/> of its bound; returns the last seq.</summary>
    private long FillTo(SqliteEntryJournal journal, double fraction)
    {
        long last = 0;
        for (var i = 0; i < 10_000 && journal.GetUsage().Fraction < fraction; i++)
        {
            last = journal.AppendRange([Draft(), Draft(), Draft()])[^1].Seq;
        }

        Assert.True(journal.GetUsage().Fraction >= fraction, "the journal did not fill");
        return last;
    }

    private List<long> Seqs()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT seq FROM journal ORDER BY seq";
        using var reader = cmd.ExecuteReader();
        var seqs = new List<long>();
        while (reader.Read())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return seqs;
    }

    private static EntryEvent Read(JournaledEvent e) => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    private static List<string> SystemDetails(IEnumerable<JournaledEvent> events) =>
        [.. events.Select(Read).Where(e => e.Type == EventTypes.System).Select(e => e.Detail!)];

    private static void AssertChain(IReadOnlyList<JournaledEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Seq + 1, events[i].Seq);
            Assert.Equal(EventChain.Hash(events[i - 1].Payload.Span), Read(events[i]).PrevHash);
        }
    }

    [Fact]
    public void Open_SetsMaxPageCountFromMaxSize()
    {
        using var journal = Open();

        Assert.Equal(SmallSize, journal.GetUsage().MaxBytes);
        Assert.Equal(JournalPressure.Normal, journal.GetUsage().Pressure);
    }

    [Fact]
    public void Prune_AcknowledgedOlderThanRetention_DeletesOnlyThose()
    {
        using var journal = Open();
        journal.AppendRange([Draft(), Draft(), Draft(), Draft()]);
        _time.Advance(TimeSpan.FromDays(25));
        journal.AppendRange([Draft(), Draft()]);
        journal.MarkSent([1, 2, 4, 5]);
        journal.SetAside([3]);
        _time.Advance(TimeSpan.FromDays(6));

        var result = journal.Prune();

        Assert.Equal((3L, 0L), (result.ExpiredPruned, result.PressurePruned));
        Assert.Equal([3L, 5, 6], Seqs());
        Assert.Null(result.PressureEventSeq);
    }

    [Fact]
    public void Prune_NewestEventExpired_KeepsItSoTheChainContinues()
    {
        JournaledEvent last;
        using (var journal = Open())
        {
            journal.Append(Draft());
            last = journal.Append(Draft());
            journal.MarkSent([1, 2]);
            _time.Advance(TimeSpan.FromDays(31));

            Assert.Equal(1, journal.Prune().ExpiredPruned);
        }

        using var reopened = Open();
        var next = reopened.Append(Draft());

        Assert.Equal(3, next.Seq);
        Assert.Equal(EventChain.Hash(last.Payload.Span), Read(next).PrevHash);
    }

    [Fact]
    public void Prune_AboveAlarm_DeletesOldestAcknowledgedFirstAndNeverUnsent()
    {
        using var journal = Open();
        var unsent = journal.AppendRange([.. Enumerable.Range(0, 30).Select(_ => Draft())]).Select(e => e.Seq).ToList();
        var last = FillTo(journal, SqliteEntryJournal.AlarmLevel);
        var acknowledged = Enumerable.Range(31, (int)last - 30).Select(i => (long)i).ToList();
        journal.MarkSent(acknowledged);

        var result = journal.Prune();

        var kept = Seqs();
        Assert.True(result.PressurePruned > 0);
        Assert.Equal(0, result.ExpiredPruned);
        Assert.True(result.Before.Fraction >= SqliteEntryJournal.AlarmLevel);
        Assert.True(result.After.Fraction <= SqliteEntryJournal.LowWaterLevel, $"after {result.After.Fraction:P0}");
        Assert.All(unsent, seq => Assert.Contains(seq, kept));
        var pruned = acknowledged.Except(kept).ToList();
        Assert.Equal(result.PressurePruned, pruned.Count);
        Assert.True(pruned.Max() < kept.Where(s => s > 30).Min(), "an acknowledged event was pruned before an older one");
        Assert.Contains(last, kept);
        Assert.Equal(JournalPressure.Normal, result.After.Pressure);
        Assert.Null(result.PressureEventSeq);
    }

    [Fact]
    public void Prune_AlarmWithOnlyUnsent_JournalsOnePressureEvent()
    {
        using var journal = Open();
        var last = FillTo(journal, SqliteEntryJournal.AlarmLevel);

        var first = journal.Prune();
        var second = journal.Prune();

        Assert.Equal(0, first.Pruned + second.Pruned);
        Assert.Equal(last + 1, first.PressureEventSeq);
        Assert.Null(second.PressureEventSeq);
        Assert.Equal(JournalPressure.Alarm, second.After.Pressure);
        var events = journal.ReadUnsent(0, 100_000);
        Assert.Equal(last + 1, events.Count);
        var pressure = Assert.Single(SystemDetails(events));
        Assert.StartsWith("journal-pressure: ", pressure, StringComparison.Ordinal);
        Assert.Contains($"{last} unsent events kept", pressure, StringComparison.Ordinal);
        AssertChain(events);
    }

    [Fact]
    public void Prune_AlarmClearedBySending_RearmsThePressureEvent()
    {
        using var journal = Open();
        FillTo(journal, SqliteEntryJournal.AlarmLevel);
        Assert.NotNull(journal.Prune().PressureEventSeq);

        journal.MarkSent([.. journal.ReadUnsent(0, 100_000).Select(e => e.Seq)]);
        var cleared = journal.Prune();
        _time.Advance(TimeSpan.FromDays(31));
        journal.Prune(); // the rest of the acknowledged events expire
        FillTo(journal, SqliteEntryJournal.AlarmLevel);
        var again = journal.Prune();

        Assert.Equal(JournalPressure.Normal, cleared.After.Pressure);
        Assert.NotNull(again.PressureEventSeq);
        Assert.Equal(JournalPressure.Alarm, again.After.Pressure);
    }

    [Fact]
    public void Append_Full_RefusesWithIOExceptionAndKeepsEveryEvent()
    {
        using var journal = Open();
        FillTo(journal, SqliteEntryJournal.AlarmLevel);
        IOException? refused = null;
        for (var i = 0; i < 10_000 && refused is null; i++)
        {
            try
            {
                journal.Append(Draft());
            }
            catch (IOException ex)
            {
                refused = ex;
            }
        }

        var again = Assert.Throws<IOException>(() => journal.Append(Draft()));

        Assert.NotNull(refused);
        Assert.StartsWith("journal full", refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("journal full", again.Message, StringComparison.Ordinal);
        Assert.Equal(JournalPressure.Full, journal.GetUsage().Pressure);
        Assert.True(new FileInfo(DbPath).Length <= SmallSize);
        var events = journal.ReadUnsent(0, 100_000);
        var full = Assert.Single(SystemDetails(events));
        Assert.StartsWith("journal-full: ", full, StringComparison.Ordinal);
        Assert.Equal(EventTypes.System, Read(events[^1]).Type);
        AssertChain(events);
    }

    [Fact]
    public void Append_FullThenSentAndPruned_AcceptsEntriesAgain()
    {
        using var journal = Open();
        FillTo(journal, SqliteEntryJournal.AlarmLevel);
        Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                journal.Append(Draft());
            }
        });
        var lastSeq = journal.GetStats().LastSeq;

        journal.MarkSent([.. journal.ReadUnsent(0, 100_000).Select(e => e.Seq)]);
        journal.Prune();
        var next = journal.Append(Draft());

        Assert.Equal(lastSeq + 1, next.Seq);
        Assert.Equal(JournalPressure.Normal, journal.GetUsage().Pressure);
    }

    [Fact]
    public void Reopen_FullJournal_OpensIntactAndStillRefuses()
    {
        using (var journal = Open())
        {
            FillTo(journal, SqliteEntryJournal.AlarmLevel);
            Assert.Throws<IOException>(() =>
            {
                for (var i = 0; i < 10_000; i++)
                {
                    journal.Append(Draft());
                }
            });
        }

        using var reopened = Open();

        Assert.False(reopened.OpenReport.Salvaged);
        Assert.Throws<IOException>(() => reopened.Append(Draft()));
        AssertChain(reopened.ReadUnsent(0, 100_000));
    }

    [Theory]
    [InlineData(1000, 30, 3600, "Journal:MaxSize")]
    [InlineData(1 << 30, -1, 3600, "Journal:SentRetention")]
    [InlineData(1 << 30, 30, 0, "Journal:PruneInterval")]
    public void Validate_BadValue_NamesTheKey(long maxSize, int retentionDays, int intervalSeconds, string key)
    {
        var options = new JournalOptions
        {
            MaxSize = maxSize,
            SentRetention = TimeSpan.FromDays(retentionDays),
            PruneInterval = TimeSpan.FromSeconds(intervalSeconds),
        };

        var result = new JournalOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new JournalOptionsValidator().Validate(null, new JournalOptions()).Succeeded);
}
