using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Storage.Tests;

/// <summary>Single-use visitor passes are used up in the journal's database, in the commit of the entry that uses them.</summary>
public sealed class PassUseLedgerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-passes-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly TestIssuer _issuer = new();

    private string DbPath => Path.Combine(_folder, "journal.db");

    public void Dispose()
    {
        _issuer.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteEntryJournal OpenJournal() => new(DbPath, "site-a", "kiosk-1", new JournalOptions(), _time);

    /// <summary>The kiosk's wiring: the visitor-pass verifier asks the journal whether a pass is used.</summary>
    private GatePipeline Pipeline(SqliteEntryJournal journal)
    {
        var kiosk = new KioskOptions { SiteId = "site-a", KioskId = "kiosk-1" };
        kiosk.AcceptedKinds.Add(CredentialKinds.VisitorPass);
        var settings = new SignedCredentialSettings { Trust = _issuer.Trust, SiteId = "site-a" };
        return new GatePipeline(
            new CredentialVerifier([new GateKioskPassVerifier(CredentialKinds.VisitorPass, settings, journal)]),
            new AccessDecider(Options.Create(kiosk)),
            journal,
            new FakeGateSignal(),
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance);
    }

    private string SingleUsePass(out GateKioskPass pass)
    {
        pass = _issuer.Pass(CredentialKinds.VisitorPass, _time.GetUtcNow().AddMinutes(-1), TimeSpan.FromHours(1)) with { SingleUse = true };
        return _issuer.Write(pass);
    }

    private GateOutcome Scan(GatePipeline pipeline, string text) => pipeline.Process(new RawScan(text, _time.GetTimestamp(), "test"));

    private static EntryEvent Read(JournaledEvent e) => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    private EventDraft Entry(SingleUsePass pass) => new()
    {
        Type = EventTypes.Entry,
        OccurredAt = _time.GetUtcNow(),
        TimeSource = TimeSources.Ntp,
        Decision = Decisions.Allow,
        Reason = ReasonCodes.Valid,
        UsesPass = pass,
    };

    [Fact]
    public void Process_PassUsedThenKioskRestarted_SamePassDenied()
    {
        var text = SingleUsePass(out _);
        using (var journal = OpenJournal())
        {
            Assert.True(Scan(Pipeline(journal), text).Decision.IsAllow);
        }

        using var reopened = OpenJournal();
        var again = Scan(Pipeline(reopened), text);

        Assert.Equal((Decisions.Deny, ReasonCodes.AlreadyUsed), (again.Decision.Decision, again.Decision.Reason));
        Assert.Equal(ReasonCodes.AlreadyUsed, Read(again.Journaled!).Reason);
    }

    [Fact]
    public void Process_JournalCommitFailsAfterPassWasWritten_PassStaysUnused()
    {
        var text = SingleUsePass(out var pass);
        using var journal = OpenJournal();
        var pipeline = Pipeline(journal);

        // The entry's own insert fails inside the commit that also writes the pass, as a refusing disk would.
        using (var other = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'disk refused'); END;";
            cmd.ExecuteNonQuery();
        }

        var refused = Scan(pipeline, text);
        Assert.Equal((Decisions.Deny, ReasonCodes.InternalError), (refused.Decision.Decision, refused.Decision.Reason));
        Assert.False(journal.IsUsed(pass.PassIdHex));

        using (var other = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "DROP TRIGGER refuse;";
            cmd.ExecuteNonQuery();
        }

        Assert.True(Scan(pipeline, text).Decision.IsAllow);
        Assert.True(journal.IsUsed(pass.PassIdHex));
        Assert.Equal(ReasonCodes.AlreadyUsed, Scan(pipeline, text).Decision.Reason);
    }

    [Fact]
    public void Append_PassAlreadyUsed_RecordsADenyAndSaysSo()
    {
        using var journal = OpenJournal();
        var pass = new SingleUsePass("00ff", _time.GetUtcNow().AddHours(1));

        var first = journal.Append(Entry(pass));
        var second = journal.Append(Entry(pass));

        Assert.False(first.PassAlreadyUsed);
        Assert.Equal((Decisions.Allow, ReasonCodes.Valid), (Read(first).Decision, Read(first).Reason));
        Assert.True(second.PassAlreadyUsed);
        Assert.Equal((Decisions.Deny, ReasonCodes.AlreadyUsed), (Read(second).Decision, Read(second).Reason));
        Assert.DoesNotContain("00ff", System.Text.Encoding.UTF8.GetString(second.Payload.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Prune_PassExpiredADayAgo_IsForgotten()
    {
        using var journal = OpenJournal();
        var pass = new SingleUsePass("00ff", _time.GetUtcNow().AddHours(1));
        journal.Append(Entry(pass));

        _time.Advance(TimeSpan.FromHours(1) + SqliteEntryJournal.PassUseRetention);
        journal.Prune();
        Assert.True(journal.IsUsed("00ff"));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        journal.Prune();
        Assert.False(journal.IsUsed("00ff"));
        using var check = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM pass_use";
        Assert.Equal(0L, cmd.ExecuteScalar());
    }
}
