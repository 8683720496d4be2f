using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Display;
using GateKiosk.Hosting;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Hosting;

/// <summary>
/// Vietnamese personal ID codes through the kiosk's own pipeline (AddKiosk, real journal, GPIO signal on the simulated
/// driver): what each door rule decides, what the event carries and what the guard's display shows.
/// </summary>
public sealed class PersonalIdPipelineTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);
    private static readonly string HashKey = Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    private readonly string _data = Directory.CreateTempSubdirectory("gatekiosk-vnid-").FullName;
    private readonly TestIssuer _issuer = new();
    private readonly RecordingDisplay _display = new();
    private readonly VietnameseIdCodeGenerator _people = new(2026);

    [Fact]
    public void Process_CardAndAppAtAnAdmitDoor_AllowWithTheKeyedHashOfTheId()
    {
        using var host = Kiosk(["vn-cccd", "vn-pccovid"], "Admit", out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        var person = _people.NextPerson();

        var card = pipeline.Process(new RawScan(person.Cccd() + "\r\n", clock.GetTimestamp(), "test"));
        var app = pipeline.Process(new RawScan(person.PcCovid(), clock.GetTimestamp(), "test"));

        Assert.Equal((Decisions.Allow, ReasonCodes.Valid), (card.Decision.Decision, card.Decision.Reason));
        Assert.Equal((Decisions.Allow, ReasonCodes.Valid), (app.Decision.Decision, app.Decision.Reason));
        var expected = SubjectHash.Of("vnid", person.Id, Convert.FromBase64String(HashKey));
        Assert.Equal(new CredentialRef(CredentialKinds.VnCccd, null, expected), Event(card.Journaled).Credential);
        Assert.Equal(new CredentialRef(CredentialKinds.VnPcCovid, null, expected), Event(app.Journaled).Credential);
        Assert.Null(ContractValidation.CheckEvent(Event(card.Journaled)));
    }

    [Fact]
    public void Process_IdCodes_EventJsonNeverHoldsTheNameIdBirthDateOrAddress()
    {
        using var host = Kiosk(["vn-cccd", "vn-pccovid"], "Admit", out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        for (var i = 0; i < 40; i++)
        {
            var person = _people.NextPerson();
            var edges = VietnameseIdCodeGenerator.EdgeCases(person);
            foreach (var edge in edges)
            {
                var outcome = pipeline.Process(new RawScan(edge.Text, clock.GetTimestamp(), "test"));
                Assert.Equal(edge.WellFormed, outcome.Decision.IsAllow);
                AssertHoldsNothingOf(person, outcome.Journaled);
            }
        }
    }

    [Fact]
    public void Process_CardAtAnAdmitDoor_DisplayShowsTheMaskedName()
    {
        using var host = Kiosk(["vn-cccd"], "Admit", out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        var person = new VietnameseIdCodeGenerator(7).NextPerson() with { FullName = "Nguyễn Văn Anh" };

        pipeline.Process(new RawScan(person.Cccd(NormalizationForm.FormD), clock.GetTimestamp(), "test"));

        Assert.Equal(new DisplayMessage(DisplayScreen.Allow, Holder: "Nguyễn V** A**"), _display.Shown[^1]);
        Assert.Contains("Nguyễn V** A**", OledDisplay.Lines(_display.Shown[^1], DisplayLanguage.Vi));
    }

    [Fact]
    public void Process_IdCodeAtADoorThatRequiresADeclaration_DeniedAndTheGkh1PassOfTodayOpens()
    {
        using var host = Kiosk(["vn-cccd", "vn-pccovid", "health-declaration"], "RequireDeclaration", out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        var person = _people.NextPerson();
        var pass = _issuer.Write(_issuer.Pass(CredentialKinds.HealthDeclaration, Now, TimeSpan.FromHours(8), subject: "decl-0001"));

        var card = pipeline.Process(new RawScan(person.Cccd(), clock.GetTimestamp(), "test"));
        var app = pipeline.Process(new RawScan(person.PcCovid(), clock.GetTimestamp(), "test"));
        var shown = _display.Shown[^1];
        var declared = pipeline.Process(new RawScan(pass, clock.GetTimestamp(), "test"));
        clock.Advance(TimeSpan.FromDays(1));
        var nextDay = pipeline.Process(new RawScan(pass, clock.GetTimestamp(), "test"));

        Assert.Equal((Decisions.Deny, ReasonCodes.DeclarationRequired), (card.Decision.Decision, card.Decision.Reason));
        Assert.Equal((Decisions.Deny, ReasonCodes.DeclarationRequired), (app.Decision.Decision, app.Decision.Reason));
        Assert.Equal(SubjectHash.Of("vnid", person.Id, Convert.FromBase64String(HashKey)), Event(card.Journaled).Credential?.SubjectId);
        Assert.Equal(ReasonCodes.DeclarationRequired, Event(card.Journaled).Reason);
        Assert.Equal(new DisplayMessage(DisplayScreen.Deny, ReasonCodes.DeclarationRequired), shown);
        Assert.Equal(["Khai báo y tế", "rồi đưa mã GKH1"], DisplayTexts.Lines(shown, DisplayLanguage.Vi));
        Assert.True(declared.Decision.IsAllow);
        Assert.Equal(ReasonCodes.DeclarationStale, nextDay.Decision.Reason);
        AssertHoldsNothingOf(person, card.Journaled);
    }

    [Fact]
    public void Process_IdCodesAtADoorThatDoesNotAcceptThem_AreUnsupportedNotBadges()
    {
        using var host = Kiosk(["badge", "vn-pccovid"], "Admit", out var clock);
        var pipeline = host.Services.GetRequiredService<GatePipeline>();
        var person = _people.NextPerson();

        var card = pipeline.Process(new RawScan(person.Cccd(), clock.GetTimestamp(), "test"));
        var malformed = pipeline.Process(new RawScan(person.PcCovid() + "|", clock.GetTimestamp(), "test"));

        Assert.Equal(ReasonCodes.UnsupportedCredential, card.Decision.Reason);
        Assert.Equal(new CredentialRef(CredentialKinds.VnCccd, null, null), Event(card.Journaled).Credential);
        Assert.Equal(ReasonCodes.Unreadable, malformed.Decision.Reason);
        Assert.Equal(new CredentialRef(CredentialKinds.VnPcCovid, null, null), Event(malformed.Journaled).Credential);
    }

    [Theory]
    [InlineData("RequireDeclaration", "vn-cccd", HashKeyArg, "Kiosk:PersonalIdCodes")]
    [InlineData("Admit", "vn-cccd", "", "Credentials:SubjectHashKey is required when Kiosk:AcceptedKinds includes vn-cccd")]
    [InlineData("Admit", "vn-pccovid", "", "Credentials:SubjectHashKey is required when Kiosk:AcceptedKinds includes vn-pccovid")]
    [InlineData("Sometimes", "vn-cccd", HashKeyArg, "Kiosk:PersonalIdCodes")]
    [InlineData("Admit", "vn-passport", HashKeyArg, "Kiosk:AcceptedKinds:0 'vn-passport'")]
    public void Start_WrongPersonalIdConfiguration_FailsNamingTheKey(string rule, string kind, string hashKeyArg, string expected)
    {
        string[] args =
        [
            "--Kiosk:SiteId=site-a", "--Kiosk:KioskId=k1", $"--Kiosk:DataDirectory={_data}", "--Gpio:Driver=Simulated", "--Mqtt:Host=127.0.0.1",
            $"--Kiosk:AcceptedKinds:0={kind}", $"--Kiosk:PersonalIdCodes={rule}", .. hashKeyArg.Length > 0 ? [hashKeyArg] : Array.Empty<string>(),
        ];

        var message = "";
        try
        {
            using var host = GateKiosk.Program.BuildKioskHost(args);
            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException or AggregateException)
        {
            message = HostRunner.Describe(ex) ?? ex.Message;
        }

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _issuer.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private const string HashKeyArg = "--Credentials:SubjectHashKey=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    private static JournaledEvent Journaled(JournaledEvent? journaled) =>
        journaled ?? throw new Xunit.Sdk.XunitException("the scan was not journaled");

    private static EntryEvent Event(JournaledEvent? journaled) =>
        JsonSerializer.Deserialize(Journaled(journaled).Payload.Span, ContractsJsonContext.Default.EntryEvent)!;

    /// <summary>Neither the raw JSON nor any string in it (escapes undone) holds a field of the person's codes.</summary>
    private static void AssertHoldsNothingOf(VietnameseIdCodeGenerator.Person person, JournaledEvent? journaled)
    {
        var json = Encoding.UTF8.GetString(Journaled(journaled).Payload.Span);
        var strings = new List<string> { json };
        Collect(JsonDocument.Parse(json).RootElement, strings);
        string[] secrets =
        [
            person.Id, person.Id[3..], person.BornText, person.Born.ToString("dd/MM/yyyy", System.Globalization.CultureInfo.InvariantCulture),
            person.FullName, person.FullName.Normalize(NormalizationForm.FormD), person.Address, person.Address.Normalize(NormalizationForm.FormD),
            person.Qid, .. person.FullName.Split(' '), .. person.OldId.Length > 0 ? [person.OldId] : Array.Empty<string>(),
        ];
        foreach (var text in strings)
        {
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the event holds a field of the code: {json}");
            }
        }
    }

    private static void Collect(JsonElement element, List<string> strings)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                strings.Add(element.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    strings.Add(p.Name);
                    Collect(p.Value, strings);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, strings);
                }

                break;
        }
    }

    private IHost Kiosk(string[] accepted, string rule, out FakeTimeProvider clock)
    {
        var trust = Path.Combine(_data, "trust.json");
        File.WriteAllText(trust, TrustList.Write(
            [new TrustFileEntry(_issuer.Kid, _issuer.PrivateKey.ExportSubjectPublicKeyInfoPem(), "test-org", [CredentialKinds.HealthDeclaration])]));
        var fake = new FakeTimeProvider(Now.AddMinutes(1));
        clock = fake;
        string[] args =
        [
            "--Kiosk:SiteId=site-a", "--Kiosk:KioskId=k1", $"--Kiosk:DataDirectory={_data}", "--Gpio:Driver=Simulated", "--Mqtt:Host=127.0.0.1",
            $"--Credentials:TrustListPath={trust}", HashKeyArg, $"--Kiosk:PersonalIdCodes={rule}",
            .. accepted.Select((kind, i) => $"--Kiosk:AcceptedKinds:{i}={kind}"),
        ];
        var host = GateKiosk.Program.BuildKioskHost(args, b =>
        {
            b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(fake));
            b.Services.Replace(ServiceDescriptor.Singleton<IGateDisplay>(_display));
        });
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        return host;
    }

    /// <summary>Keeps every message the door put on the display.</summary>
    private sealed class RecordingDisplay : IGateDisplay
    {
        private readonly List<DisplayMessage> _shown = [];

        public IReadOnlyList<DisplayMessage> Shown
        {
            get
            {
                lock (_shown)
                {
                    return [.. _shown];
                }
            }
        }

        public void Show(DisplayMessage message)
        {
            lock (_shown)
            {
                _shown.Add(message);
            }
        }
    }
}
