using System.Device.Gpio;
using System.Security.Cryptography;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Commands;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Gpio;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Commands;

/// <summary>Signed door commands through the real pipeline and GPIO signal, on the fake GPIO driver's pin timeline.</summary>
public sealed class RemoteCommandTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeEntryJournal _journal = new("site-1", "gate-1");
    private readonly ECDsa _central = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly GpioOptions _gpio = new() { Driver = GpioDriverKind.Simulated, RelayPulse = TimeSpan.FromSeconds(3) };
    private readonly FakeGpioDriver _driver;
    private readonly GpioGateSignal _signal;
    private readonly GatePipeline _pipeline;
    private readonly RemoteCommands _commands;

    public RemoteCommandTests()
    {
        _driver = new FakeGpioDriver(_time);
        _signal = new GpioGateSignal(new GpioController(_driver), Options.Create(_gpio), _time, shouldDispose: true);
        var badges = new BadgeOptions();
        badges.Allowlist.Add("E1001");
        var kiosk = new KioskOptions { SiteId = "site-1", KioskId = "gate-1" };
        _pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(badges))]),
            new AccessDecider(Options.Create(kiosk)),
            _journal,
            _signal,
            new FakeTimeSourceProbe(TimeSources.Ntp),
            _time,
            NullLogger<GatePipeline>.Instance);
        _commands = new RemoteCommands(_pipeline, TrustedKey.FromKey(_central), kiosk, TimeSpan.FromSeconds(30), _time, NullLogger<RemoteCommands>.Instance);
    }

    public void Dispose()
    {
        _signal.Dispose();
        _central.Dispose();
    }

    private SignedCommand Command(string type, string kiosk = "gate-1") => new()
    {
        CommandId = Guid.CreateVersion7(),
        Type = type,
        SiteId = "site-1",
        KioskId = kiosk,
        IssuedAt = _time.GetUtcNow(),
        ExpiresAt = _time.GetUtcNow() + SignedCommand.DefaultLifetime,
        Nonce = RandomNumberGenerator.GetBytes(16),
        IssuedBy = "guard-1",
    };

    private List<EntryEvent> Journal() => [.. _journal.All.Select(e => JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!)];

    /// <summary>Relay pulses (active-low: a Low write followed by a High one) after <paramref name="skip"/> relay writes.</summary>
    private int Pulses(int skip = 0) => _driver.WritesTo(_gpio.RelayPin).Skip(skip).Count(w => w.Value == PinValue.Low);

    [Fact]
    public void OpenOnce_Signed_PulsesTheRelayExactlyOnceAndJournalsWhoSentIt()
    {
        var before = _driver.WritesTo(_gpio.RelayPin).Count;
        var command = Command(CommandTypes.OpenOnce);

        var result = _commands.Handle(command.Sign(_central));
        _time.Advance(_gpio.RelayPulse);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("done", result.Status);
        var pulse = _driver.WritesTo(_gpio.RelayPin).Skip(before).ToList();
        Assert.Equal([PinValue.Low, PinValue.High], pulse.Select(w => w.Value));
        Assert.Equal(_gpio.RelayPulse, pulse[1].At - pulse[0].At);
        var entry = Assert.Single(Journal());
        Assert.Equal((EventTypes.Entry, Decisions.Allow, ReasonCodes.RemoteOpen), (entry.Type, entry.Decision, entry.Reason));
        Assert.Equal($"command={command.CommandId} type=open-once by=guard-1", entry.Detail);
    }

    [Fact]
    public void OpenOnce_ReplayedExpiredUnsignedOrForAnotherKiosk_NoPulseAndEachJournaledRejected()
    {
        var before = _driver.WritesTo(_gpio.RelayPin).Count;
        var good = Command(CommandTypes.OpenOnce).Sign(_central);
        Assert.Equal("done", _commands.Handle(good).Status);
        _time.Advance(TimeSpan.FromSeconds(5));
        var pulsesAfterGood = Pulses(before);
        var afterGood = _driver.WritesTo(_gpio.RelayPin).Count;

        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var expired = Command(CommandTypes.OpenOnce) with { IssuedAt = _time.GetUtcNow() - TimeSpan.FromSeconds(31), ExpiresAt = _time.GetUtcNow() - TimeSpan.FromSeconds(1) };
        var results = new[]
        {
            _commands.Handle(good),
            _commands.Handle(expired.Sign(_central)),
            _commands.Handle(Command(CommandTypes.OpenOnce).Sign(stranger)),
            _commands.Handle(Command(CommandTypes.OpenOnce, kiosk: "gate-2").Sign(_central)),
            _commands.RejectUnsigned(new KioskCommand(Guid.CreateVersion7(), CommandTypes.OpenOnce, null, null, _time.GetUtcNow())),
        };
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, pulsesAfterGood);
        Assert.Equal(afterGood, _driver.WritesTo(_gpio.RelayPin).Count);
        Assert.Equal(
            [SignedCommandRejections.Replayed, SignedCommandRejections.Expired, SignedCommandRejections.BadSignature, SignedCommandRejections.WrongTarget, SignedCommandRejections.NotSigned],
            results.Select(r => r.Detail));
        Assert.All(results, r => Assert.Equal("rejected", r.Status));
        var rejected = Journal().Where(e => e.Type == EventTypes.System).Select(e => e.Detail!).ToList();
        Assert.Equal(5, rejected.Count);
        Assert.All(rejected, d => Assert.StartsWith("command-rejected ", d, StringComparison.Ordinal));
        Assert.Equal(
            ["replayed", "expired", "bad-signature", "wrong-target", "unsigned"],
            rejected.Select(d => d[(d.LastIndexOf("reason=", StringComparison.Ordinal) + "reason=".Length)..]));
    }

    [Fact]
    public void Lockdown_DeniesAValidBadge_ReleaseLockdownRestoresIt()
    {
        RawScan Scan() => new("E1001", _time.GetTimestamp(), "test");
        Assert.Equal(ReasonCodes.Valid, _pipeline.Process(Scan()).Decision.Reason);

        Assert.Equal("done", _commands.Handle(Command(CommandTypes.Lockdown).Sign(_central)).Status);
        var locked = _pipeline.Process(Scan());
        Assert.Equal("done", _commands.Handle(Command(CommandTypes.ReleaseLockdown).Sign(_central)).Status);
        var released = _pipeline.Process(Scan());

        Assert.Equal((Decisions.Deny, ReasonCodes.Lockdown), (locked.Decision.Decision, locked.Decision.Reason));
        Assert.Equal((Decisions.Allow, ReasonCodes.Valid), (released.Decision.Decision, released.Decision.Reason));
        Assert.Equal(
            ["command-done", "command-done"],
            Journal().Where(e => e.Type == EventTypes.System).Select(e => e.Detail!.Split(' ')[0]));
    }

    [Fact]
    public void Command_IssuedBeforeTheKioskStarted_RefusedAsReplayed()
    {
        var early = Command(CommandTypes.OpenOnce) with { IssuedAt = Start - TimeSpan.FromSeconds(40), ExpiresAt = Start + TimeSpan.FromSeconds(20) };

        Assert.Equal(SignedCommandRejections.Replayed, _commands.Handle(early.Sign(_central)).Detail);
    }
}
