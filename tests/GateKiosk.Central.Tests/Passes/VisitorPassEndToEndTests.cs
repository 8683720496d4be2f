using GateKiosk.Central.Passes;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Scanning;
using GateKiosk.Demo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Passes;

/// <summary>Central issues a visitor pass from the CLI code path; a demo kiosk scans it: allow inside its window, expired after.</summary>
public sealed class VisitorPassEndToEndTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    private readonly string _data = Directory.CreateTempSubdirectory("gatekiosk-e2e-").FullName;

    [Fact]
    public async Task IssuedVisitorPass_ScannedAtDemoKiosk_AllowsThenDeniesExpiredAfterItsWindow()
    {
        var central = Path.Combine(_data, "central");
        Assert.Equal(0, await Pass(["key", "create", "--data", central]));
        var trust = Path.Combine(_data, "trust.json");
        Assert.Equal(0, await Pass(["trust", "export", "--data", central, "--out", trust]));
        var png = Path.Combine(_data, "pass.png");
        using var issued = new StringWriter();
        Assert.Equal(0, await PassCommand.RunAsync(
            ["issue", "--data", central, "--kind", "visitor", "--subject", "visitor-007", "--host", "E1001", "--sites", DemoRunner.SiteId,
             "--from", "2026-03-02T09:00:00+07:00", "--valid-for", "01:00:00", "--png", png],
            issued, TextWriter.Null, new FakeTimeProvider(Start)));
        var text = issued.ToString().Trim();
        Assert.StartsWith("GKV1:", text, StringComparison.Ordinal);
        Assert.Equal(text, DecodeQr(File.ReadAllBytes(png)));

        var clock = new FakeTimeProvider(Start.AddMinutes(10));
        using var kiosk = GateKiosk.Program.BuildKioskHost([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(DemoRunner.KioskConfiguration("main-gate", _data, brokerPort: 1, trust));
            builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        });
        var pipeline = kiosk.Services.GetRequiredService<GatePipeline>();

        var inside = pipeline.Process(new RawScan(text, clock.GetTimestamp(), "main-gate"));
        clock.Advance(TimeSpan.FromHours(1));
        var after = pipeline.Process(new RawScan(text, clock.GetTimestamp(), "main-gate"));

        Assert.Equal((Decisions.Allow, ReasonCodes.Valid), (inside.Decision.Decision, inside.Decision.Reason));
        Assert.Equal(new CredentialRef(CredentialKinds.VisitorPass, "gatekiosk", "visitor-007"), inside.Decision.Credential);
        Assert.NotNull(inside.Journaled);
        Assert.Equal((Decisions.Deny, ReasonCodes.Expired), (after.Decision.Decision, after.Decision.Reason));
    }

    [Fact]
    public async Task PrepareDemoIssuer_Twice_KeepsOneKeyAndTrustsIt()
    {
        var central = Path.Combine(_data, "central");
        var first = DemoRunner.PrepareDemoIssuer(central);
        var second = DemoRunner.PrepareDemoIssuer(central);

        Assert.Equal(first, second);
        Assert.Single(new IssuerKeyStore(central).KeyIds());
        Assert.Single(Core.Credentials.Signed.TrustList.Parse(await File.ReadAllTextAsync(second)).Keys);
    }

    [Fact]
    public async Task Rotate_ThenExport_TrustsOldAndNewKeysAndSignsWithTheNewOne()
    {
        var central = Path.Combine(_data, "central");
        Assert.Equal(0, await Pass(["key", "create", "--data", central]));
        var old = new IssuerKeyStore(central).ActiveKeyId;
        Assert.Equal(0, await Pass(["key", "rotate", "--alg", "PS256", "--data", central]));
        var store = new IssuerKeyStore(central);

        Assert.NotEqual(old, store.ActiveKeyId);
        Assert.Equal(2, Core.Credentials.Signed.TrustList.Parse(store.ExportTrustList("org")).Keys.Count);
    }

    [Theory]
    [InlineData("issue", "--kind", "tourist")]
    [InlineData("issue", "--subject", "x")]
    [InlineData("key", "create", "--alg")]
    [InlineData("frobnicate", "--data", "x")]
    public async Task Run_BadArguments_ExitsTwo(string a, string b, string c) =>
        Assert.Equal(2, await Pass([a, b, c, "--data", _data]));

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static string? DecodeQr(byte[] png)
    {
        var image = StbImageSharp.ImageResult.FromMemory(png, StbImageSharp.ColorComponents.RedGreenBlueAlpha);
        var source = new ZXing.RGBLuminanceSource(image.Data, image.Width, image.Height, ZXing.RGBLuminanceSource.BitmapFormat.RGBA32);
        var hints = new Dictionary<ZXing.DecodeHintType, object> { [ZXing.DecodeHintType.POSSIBLE_FORMATS] = new List<ZXing.BarcodeFormat> { ZXing.BarcodeFormat.QR_CODE } };
        return new ZXing.MultiFormatReader().decode(new ZXing.BinaryBitmap(new ZXing.Common.HybridBinarizer(source)), hints)?.Text;
    }

    private static Task<int> Pass(string[] args) => PassCommand.RunAsync(args, TextWriter.Null, TextWriter.Null, new FakeTimeProvider(Start));
}
