using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Core.Tests;

public sealed class GatePipelineTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly FakeEntryJournal _journal = new();
    private readonly FakeGateSignal _signal = new();

    private GatePipeline CreatePipeline(params string[] allowlist)
    {
        var badges = new BadgeOptions();
        foreach (var b in allowlist)
        {
            badges.Allowlist.Add(b);
        }

        var kiosk = Options.Create(new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" });
        return new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(badges))]),
            new AccessDecider(kiosk),
            _journal,
            _signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance);
    }

    /// <summary>A door that accepts visitor passes, whose single-use memory is the (fake) journal, as in the kiosk.</summary>
    private GatePipeline CreateVisitorPipeline(TestIssuer issuer)
    {
        var kiosk = new KioskOptions { SiteId = "site-a", KioskId = "kiosk-1" };
        kiosk.AcceptedKinds.Add(CredentialKinds.VisitorPass);
        var settings = new Core.Credentials.Signed.SignedCredentialSettings { Trust = issuer.Trust, SiteId = "site-a" };
        return new GatePipeline(
            new CredentialVerifier([new Core.Credentials.Signed.GateKioskPassVerifier(CredentialKinds.VisitorPass, settings, _journal)]),
            new AccessDecider(Options.Create(kiosk)),
            _journal,
            _signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance);
    }

    private static EntryEvent Read(JournaledEvent e) => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    [Fact]
    public void Process_EnrolledBadge_JournalsAllowThenSignals()
    {
        var pipeline = CreatePipeline("E1001");

        var outcome = pipeline.Process(new RawScan("E1001", _time.GetTimestamp(), "test"));

        Assert.True(outcome.Decision.IsAllow);
        var entry = Read(Assert.Single(_journal.All));
        Assert.Equal((EventTypes.Entry, Decisions.Allow, ReasonCodes.Valid, 1L), (entry.Type, entry.Decision, entry.Reason, entry.Seq));
        Assert.Equal("E1001", entry.Credential?.SubjectId);
        Assert.Equal(TimeSources.Ntp, entry.TimeSource);
        Assert.Equal(_time.GetUtcNow(), entry.OccurredAt);
        Assert.Same(outcome.Decision, Assert.Single(_signal.Signals));
    }

    [Theory]
    [InlineData("E9999", ReasonCodes.NotEnrolled)]
    [InlineData("E1\u00070", ReasonCodes.Unreadable)]
    [InlineData("HC1:ABC", ReasonCodes.UnsupportedCredential)]
    public void Process_BadCodes_DeniesWithStableReason(string text, string reason)
    {
        var pipeline = CreatePipeline("E1001");

        var outcome = pipeline.Process(new RawScan(text, _time.GetTimestamp(), "test"));

        Assert.Equal(Decisions.Deny, outcome.Decision.Decision);
        Assert.Equal(reason, Read(Assert.Single(_journal.All)).Reason);
        Assert.False(Assert.Single(_signal.Signals).IsAllow);
    }

    [Fact]
    public void Process_JournalRefuses_DeniesWithInternalErrorAndKeepsRunning()
    {
        var pipeline = CreatePipeline("E1001");
        _journal.FailWith = new IOException("No space left on device");

        var outcome = pipeline.Process(new RawScan("E1001", _time.GetTimestamp(), "test"));

        Assert.Equal(ReasonCodes.InternalError, outcome.Decision.Reason);
        Assert.Null(outcome.Journaled);
        Assert.False(Assert.Single(_signal.Signals).IsAllow);

        _journal.FailWith = null;
        Assert.True(pipeline.Process(new RawScan("E1001", _time.GetTimestamp(), "test")).Decision.IsAllow);
    }

    [Fact]
    public void Process_Latency_IsMeasuredFromScanComplete()
    {
        var pipeline = CreatePipeline("E1001");
        var completed = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(7));

        var outcome = pipeline.Process(new RawScan("E1001", completed, "test"));

        Assert.Equal(TimeSpan.FromMilliseconds(7), outcome.RelayLatency);
        Assert.Equal(7000, Read(outcome.Journaled!).LatencyUs);
    }

    [Fact]
    public void Process_Sequence_IsGaplessAndHashChained()
    {
        var pipeline = CreatePipeline("E1001");
        for (var i = 0; i < 5; i++)
        {
            pipeline.Process(new RawScan(i % 2 == 0 ? "E1001" : "nope", _time.GetTimestamp(), "test"));
        }

        pipeline.RecordSystemEvent("kiosk-started");

        var prev = EventChain.Genesis;
        var seq = 1L;
        foreach (var e in _journal.All)
        {
            var entry = Read(e);
            Assert.Equal(seq++, entry.Seq);
            Assert.Equal(prev, entry.PrevHash);
            prev = EventChain.Hash(e.Payload.Span);
        }

        Assert.Equal(6, seq - 1);
    }

    [Fact]
    public void AccessDecider_ValidButNotAcceptedKind_Denies()
    {
        var options = new KioskOptions { SiteId = "s", KioskId = "k" };
        options.AcceptedKinds.Clear();
        options.AcceptedKinds.Add(CredentialKinds.StaffPass);
        var decider = new AccessDecider(Options.Create(options));

        var decision = decider.Decide(new CredentialCheck(ReasonCodes.Valid, new CredentialRef(CredentialKinds.Badge, "allowlist", "E1")));

        Assert.Equal((Decisions.Deny, ReasonCodes.UnsupportedCredential), (decision.Decision, decision.Reason));
    }

    [Fact]
    public void ProcessExitRequest_JournalsExitThenSignalsAllow()
    {
        var pipeline = CreatePipeline();

        var outcome = pipeline.ProcessExitRequest();

        var exit = Read(Assert.Single(_journal.All));
        Assert.Equal((EventTypes.ExitRequest, Decisions.Allow, ReasonCodes.ExitButton, "out"), (exit.Type, exit.Decision, exit.Reason, exit.Direction));
        Assert.Null(exit.Credential);
        Assert.Same(outcome.Decision, Assert.Single(_signal.Signals));
        Assert.True(outcome.Decision.IsAllow);
    }

    [Fact]
    public void ProcessExitRequest_JournalRefuses_DoorStaysClosed()
    {
        var pipeline = CreatePipeline();
        _journal.FailWith = new IOException("No space left on device");

        var outcome = pipeline.ProcessExitRequest();

        Assert.False(Assert.Single(_signal.Signals).IsAllow);
        Assert.Equal(ReasonCodes.InternalError, outcome.Decision.Reason);
    }

    [Theory]
    [InlineData(EventTypes.DoorOpened)]
    [InlineData(EventTypes.DoorClosed)]
    [InlineData(EventTypes.DoorHeldOpen)]
    [InlineData(EventTypes.DoorForced)]
    public void RecordDoorEvent_Type_JournaledWithoutDecisionOrSignal(string type)
    {
        var pipeline = CreatePipeline();

        var journaled = pipeline.RecordDoorEvent(type);

        var door = Read(journaled!);
        Assert.Equal((type, (string?)null, _time.GetUtcNow()), (door.Type, door.Decision, door.OccurredAt));
        Assert.Empty(_signal.Signals);
    }

    [Fact]
    public void Process_SingleUsePassWhileJournalRefuses_PassStaysValidUntilAnEntryIsRecorded()
    {
        using var issuer = new TestIssuer();
        var text = issuer.Write(issuer.Pass(CredentialKinds.VisitorPass, _time.GetUtcNow().AddMinutes(-1), TimeSpan.FromHours(1)) with { SingleUse = true });
        var pipeline = CreateVisitorPipeline(issuer);

        _journal.FailWith = new IOException("No space left on device");
        Assert.Equal(ReasonCodes.InternalError, pipeline.Process(new RawScan(text, _time.GetTimestamp(), "test")).Decision.Reason);
        _journal.FailWith = null;

        var allowed = pipeline.Process(new RawScan(text, _time.GetTimestamp(), "test"));
        var again = pipeline.Process(new RawScan(text, _time.GetTimestamp(), "test"));

        Assert.True(allowed.Decision.IsAllow);
        Assert.Equal((Decisions.Deny, ReasonCodes.AlreadyUsed), (again.Decision.Decision, again.Decision.Reason));
        Assert.Equal([ReasonCodes.Valid, ReasonCodes.AlreadyUsed], _journal.All.Select(e => Read(e).Reason));
        Assert.Equal([true, false], _signal.Signals.Skip(1).Select(s => s.IsAllow));
    }

    [Fact]
    public void Process_JournalFindsPassAlreadyUsed_DeniesAndRecordsTheDeny()
    {
        using var issuer = new TestIssuer();
        var pass = issuer.Pass(CredentialKinds.VisitorPass, _time.GetUtcNow().AddMinutes(-1), TimeSpan.FromHours(1)) with { SingleUse = true };

        // Used up behind the verifier's back (between its check and the commit): the journal's commit decides.
        var verifier = new Core.Credentials.Signed.GateKioskPassVerifier(CredentialKinds.VisitorPass, new Core.Credentials.Signed.SignedCredentialSettings { Trust = issuer.Trust, SiteId = "site-a" }, Core.Credentials.Signed.NoPassUseLedger.Instance);
        var racing = new RacingJournal(_journal, () => _journal.Append(new EventDraft { Type = EventTypes.Entry, OccurredAt = _time.GetUtcNow(), TimeSource = TimeSources.Ntp, UsesPass = new Core.Credentials.Signed.SingleUsePass(pass.PassIdHex, pass.Expires) }));
        var racingPipeline = new GatePipeline(
            new CredentialVerifier([verifier]),
            new AccessDecider(Options.Create(new KioskOptions { SiteId = "site-a", KioskId = "kiosk-1", AcceptedKinds = { CredentialKinds.VisitorPass } })),
            racing,
            _signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance);

        var outcome = racingPipeline.Process(new RawScan(issuer.Write(pass), _time.GetTimestamp(), "test"));

        Assert.Equal((Decisions.Deny, ReasonCodes.AlreadyUsed), (outcome.Decision.Decision, outcome.Decision.Reason));
        Assert.False(Assert.Single(_signal.Signals).IsAllow);
        var recorded = Read(outcome.Journaled!);
        Assert.Equal((Decisions.Deny, ReasonCodes.AlreadyUsed), (recorded.Decision, recorded.Reason));
    }

    /// <summary>Runs <paramref name="before"/> just before each append: another entry using the same pass gets in first.</summary>
    private sealed class RacingJournal(FakeEntryJournal inner, Action before) : IEntryJournal
    {
        public JournaledEvent Append(EventDraft draft)
        {
            before();
            return inner.Append(draft);
        }

        public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max) => inner.ReadUnsent(afterSeq, max);

        public void MarkSent(IReadOnlyList<long> seqs) => inner.MarkSent(seqs);

        public void SetAside(IReadOnlyList<long> seqs) => inner.SetAside(seqs);

        public int Requeue(long fromSeq, long toSeq) => inner.Requeue(fromSeq, toSeq);

        public int RequeueSetAside() => inner.RequeueSetAside();

        public JournalStats GetStats() => inner.GetStats();

        public Task WaitForAppendAsync(CancellationToken cancellationToken) => inner.WaitForAppendAsync(cancellationToken);
    }

    [Fact]
    public void RecordDoorEvent_JournalRefuses_ReturnsNull()
    {
        var pipeline = CreatePipeline();
        _journal.FailWith = new IOException("disk gone");

        Assert.Null(pipeline.RecordDoorEvent(EventTypes.DoorForced));
    }
}
