using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Testing;
using GateKiosk.Verifying;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Verifying;

public sealed class VerifyCommandTests : IDisposable
{
    private static readonly DateTimeOffset Issued = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    private readonly TestIssuer _issuer = new();
    private readonly string _trustFile = Path.GetTempFileName();

    public VerifyCommandTests()
    {
        File.WriteAllText(_trustFile, JsonSerializer.Serialize(new[]
        {
            new Dictionary<string, string> { ["key"] = _issuer.PrivateKey.ExportSubjectPublicKeyInfoPem(), ["kid"] = Convert.ToBase64String(_issuer.Kid) },
        }));
    }

    [Fact]
    public async Task Run_ValidPassWithJson_PrintsAllowObjectAndExitsZero()
    {
        var pass = _issuer.Pass(CredentialKinds.VisitorPass, Issued, TimeSpan.FromHours(2));
        var (code, output, _) = await Run(["--trust", _trustFile, "--at", "2026-03-02T09:30:00+07:00", "--json", _issuer.Write(pass)]);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("allow", json.RootElement.GetProperty("decision").GetString());
        Assert.Equal("valid", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal("visitor-pass", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal("test-org", json.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(Convert.ToBase64String(_issuer.Kid), json.RootElement.GetProperty("kid").GetString());
        Assert.Equal("2026-03-02T04:00:00Z", json.RootElement.GetProperty("expires").GetString());
    }

    [Fact]
    public async Task Run_PassFromStdinAfterItsWindow_PrintsDenyExpiredAndExitsOne()
    {
        var pass = _issuer.Pass(CredentialKinds.VisitorPass, Issued, TimeSpan.FromHours(2));
        var (code, output, _) = await Run(["--trust", _trustFile, "--at", "2026-03-02T05:00:00Z", "-"], _issuer.Write(pass) + "\n");

        Assert.Equal(1, code);
        Assert.Equal("deny expired", output.Trim());
    }

    [Fact]
    public async Task Run_WithoutTrust_IsUnknownIssuer()
    {
        var pass = _issuer.Pass(CredentialKinds.StaffPass, Issued, TimeSpan.FromDays(1));
        var (code, output, _) = await Run(["--trust", WriteTemp("[]"), _issuer.Write(pass)]);

        Assert.Equal(1, code);
        Assert.Equal("deny unknown-issuer", output.Trim());
    }

    [Theory]
    [InlineData("--at", "yesterday", "X")]
    [InlineData("--bogus", "X", "Y")]
    [InlineData("--json", "", "")]
    public async Task Run_BadArguments_ExitsTwoWithUsage(string a, string b, string c)
    {
        var (code, _, error) = await Run([.. new[] { a, b, c }.Where(x => x.Length > 0)]);

        Assert.Equal(2, code);
        Assert.Contains("Usage: gatekiosk verify", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnreadableTrustFile_ExitsTwoNamingIt()
    {
        var (code, _, error) = await Run(["--trust", WriteTemp("{\"not\":\"an array\"}"), "HC1:ABC"]);

        Assert.Equal(2, code);
        Assert.Contains("--trust", error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _issuer.Dispose();
        File.Delete(_trustFile);
    }

    private static string WriteTemp(string text)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> Run(string[] args, string input = "")
    {
        using var stdin = new StringReader(input);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await VerifyCommand.RunAsync(args, stdin, stdout, stderr, new FakeTimeProvider(Issued));
        return (code, stdout.ToString(), stderr.ToString());
    }
}
