using System.Security.Cryptography;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Policy;
using GateKiosk.Core.Scanning;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Core.Tests.Policy;

public sealed class PolicyApplierTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-applier-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero)); // a Monday, 09:00 in Hanoi
    private readonly FakeEntryJournal _journal = new("site-1", "gate-1");
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly PolicyOptions _options;

    public PolicyApplierTests()
    {
        Directory.CreateDirectory(_folder);
        var keyFile = Path.Combine(_folder, "policy.pub.pem");
        File.WriteAllText(keyFile, _key.ExportSubjectPublicKeyInfoPem());
        _options = new PolicyOptions { PublicKeyFile = keyFile, BadgeHashKey = Convert.ToBase64String(PolicyBundleTests.HashKeyBytes) };
    }

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private KioskOptions Kiosk => new() { SiteId = "site-1", KioskId = "gate-1", DataDirectory = Path.Combine(_folder, "data") };

    private (PolicyApplier Applier, GatePipeline Pipeline, PolicyState State) Create(params string[] configBadges)
    {
        var state = new PolicyState();
        var badges = new BadgeOptions();
        foreach (var b in configBadges)
        {
            badges.Allowlist.Add(b);
        }

        var settings = new Core.Credentials.Signed.SignedCredentialSettings { Trust = Core.Credentials.Signed.TrustList.Empty, TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh") };
        var pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(badges), settings, state, Options.Create(_options))], [CredentialKinds.Badge], null, state),
            new AccessDecider(Options.Create(Kiosk), state),
            _journal,
            new FakeGateSignal(),
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance,
            state);
        var applier = new PolicyApplier(state, _options, Kiosk, detail => pipeline.RecordSystemEvent(detail), _time, NullLogger<PolicyApplier>.Instance);
        return (applier, pipeline, state);
    }

    private byte[] Signed(PolicyBundle bundle) => PolicySigner.Sign(bundle, _key);

    private EntryEvent Scan(GatePipeline pipeline, string badge)
    {
        var outcome = pipeline.Process(new RawScan(badge, _time.GetTimestamp(), "test"));
        return JsonSerializer.Deserialize(outcome.Journaled!.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;
    }

    private List<string> SystemDetails() =>
        [.. _journal.All.Select(e => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!).Where(e => e.Type == EventTypes.System).Select(e => e.Detail!)];

    [Fact]
    public void Offer_GoodBundle_ReplacesTheConfiguredBadgesAndStampsItsVersion()
    {
        var (applier, pipeline, _) = Create("CONF1");
        var before = Scan(pipeline, "CONF1");

        var offer = applier.Offer(Signed(PolicyBundleTests.Sample(3, badges: ["B1", "B2"])));

        Assert.True(offer.Applied);
        var listed = Scan(pipeline, "B1");
        var configured = Scan(pipeline, "CONF1");
        Assert.Equal((Decisions.Allow, "allowlist", 0L), (before.Decision, before.Credential!.Issuer, before.PolicyVersion));
        Assert.Equal((Decisions.Allow, BadgeAllowlistVerifier.PolicyIssuer, 3L), (listed.Decision, listed.Credential!.Issuer, listed.PolicyVersion));
        Assert.Equal((Decisions.Deny, ReasonCodes.NotEnrolled, 3L), (configured.Decision, configured.Reason, configured.PolicyVersion));
        Assert.StartsWith("badge-", configured.Credential!.SubjectId, StringComparison.Ordinal);
        Assert.Equal(["policy-applied version=3 previous=0"], SystemDetails());
    }

    [Fact]
    public void Offer_BadgeOutsideItsSchedule_DeniedOutsideSchedule()
    {
        var (applier, pipeline, _) = Create();
        var bundle = PolicyBundleTests.Sample(3, badges: ["B1", "B2", "B3", "B4"]);
        applier.Offer(Signed(bundle));
        var scheduled = new[] { "B1", "B2", "B3", "B4" }.First(b => bundle.BadgeSchedules[bundle.FindBadge(PolicyBundleTests.Key(b))] == 1);

        Assert.Equal(Decisions.Allow, Scan(pipeline, scheduled).Decision); // Monday 09:00 is within Mon–Fri 07:00–19:00
        _time.Advance(TimeSpan.FromHours(11)); // 20:00
        Assert.Equal(ReasonCodes.OutsideSchedule, Scan(pipeline, scheduled).Reason);
    }

    [Fact]
    public void Offer_IssuedBeyondTheLeeway_RejectedAndJournaled_WithinItApplied()
    {
        var (applier, _, state) = Create();

        var ahead = applier.Offer(Signed(PolicyBundleTests.Sample(3) with { IssuedAt = _time.GetUtcNow() + _options.ClockLeeway + TimeSpan.FromSeconds(1) }));
        var within = applier.Offer(Signed(PolicyBundleTests.Sample(4) with { IssuedAt = _time.GetUtcNow() + _options.ClockLeeway }));

        Assert.Equal(PolicyRejections.IssuedInFuture, ahead.Rejection);
        Assert.True(within.Applied);
        Assert.Equal(4, state.Version);
        Assert.Equal("policy-rejected reason=issued-in-future version=3 applied=0", SystemDetails()[0]);
    }

    [Fact]
    public void Offer_SameBundleAgain_NothingJournaled()
    {
        var (applier, _, _) = Create();
        var wire = Signed(PolicyBundleTests.Sample(3));

        applier.Offer(wire);
        var again = applier.Offer(wire);

        Assert.True(again.Unchanged);
        Assert.Single(SystemDetails());
    }

    [Fact]
    public void Restart_StoredBundleInForceBeforeAnyMessage_AndOlderVersionsStillRefused()
    {
        var (first, _, _) = Create();
        first.Offer(Signed(PolicyBundleTests.Sample(7)));

        var (second, pipeline, state) = Create("CONF1");
        Assert.True(second.LoadStored());

        Assert.Equal(7, state.Version);
        Assert.Equal(7, Scan(pipeline, "B1").PolicyVersion);
        Assert.Equal(PolicyRejections.NotNewer, second.Offer(Signed(PolicyBundleTests.Sample(6))).Rejection);
        Assert.Equal(PolicyRejections.NotNewer, second.Offer(Signed(PolicyBundleTests.Sample(7) with { Revoked = [] })).Rejection);
    }

    [Fact]
    public void LoadStored_DamagedFileOrOtherSite_RunsOnTheConfiguration()
    {
        Directory.CreateDirectory(Kiosk.DataDirectory);
        var file = Path.Combine(Kiosk.DataDirectory, PolicyApplier.FileName);
        File.WriteAllBytes(file, Signed(PolicyBundleTests.Sample(5, "site-2")));
        var (applier, pipeline, state) = Create("CONF1");
        Assert.False(applier.LoadStored());

        var damaged = Signed(PolicyBundleTests.Sample(5));
        damaged[^1] ^= 0xff;
        File.WriteAllBytes(file, damaged);
        Assert.False(applier.LoadStored());

        Assert.Equal(0, state.Version);
        Assert.Equal(Decisions.Allow, Scan(pipeline, "CONF1").Decision);
    }

    [Fact]
    public void Offer_DoorKindsInThePolicy_ReplaceTheConfiguredKinds()
    {
        var (applier, pipeline, _) = Create();
        var bundle = PolicyBundleTests.Sample(3) with
        {
            Doors = new Dictionary<string, DoorPolicy> { ["gate-1"] = new([CredentialKinds.StaffPass]), ["*"] = new([CredentialKinds.Badge]) },
        };

        applier.Offer(Signed(bundle));

        Assert.Equal(ReasonCodes.UnsupportedCredential, Scan(pipeline, "B1").Reason);
    }

    [Fact]
    public void Offer_OverTheSizeLimit_RejectedUnread()
    {
        var (applier, _, _) = Create();

        var offer = applier.Offer(new byte[_options.MaxBundleBytes + 1]);

        Assert.Equal(PolicyRejections.TooLarge, offer.Rejection);
        Assert.Equal(["policy-rejected reason=too-large version=0 applied=0"], SystemDetails());
    }
}
