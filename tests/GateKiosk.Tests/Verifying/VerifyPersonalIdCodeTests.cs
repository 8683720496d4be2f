using System.Text.Json;
using GateKiosk.Testing;
using GateKiosk.Verifying;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Verifying;

/// <summary><c>verify</c> on Vietnamese personal ID codes: the technician sees which field is wrong, never its content.</summary>
public sealed class VerifyPersonalIdCodeTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Run_WellFormedCard_PrintsAllowValidAndKind()
    {
        var person = new VietnameseIdCodeGenerator(9).NextPerson();

        var (code, output) = await Run(["--trust", EmptyTrust, "--json", person.Cccd()]);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("valid", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal("vn-cccd", json.RootElement.GetProperty("kind").GetString());
        Assert.False(json.RootElement.TryGetProperty("problem", out _));
    }

    [Fact]
    public async Task Run_CardWithAnImpossibleBirthDate_PrintsUnreadableAndTheFieldNotItsContent()
    {
        var person = new VietnameseIdCodeGenerator(10).NextPerson();
        var text = person.Cccd().Replace(person.BornText, "31022000", StringComparison.Ordinal);

        var (code, output) = await Run(["--trust", EmptyTrust, "--json", text]);

        Assert.Equal(1, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("unreadable", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal("vn-cccd", json.RootElement.GetProperty("kind").GetString());
        Assert.Contains("birth date", json.RootElement.GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(person.Id, output, StringComparison.Ordinal);
        Assert.DoesNotContain("31022000", output, StringComparison.Ordinal);
    }

    /// <summary>Personal ID codes need no trusted key.</summary>
    private string EmptyTrust { get; } = WriteEmptyTrust();

    public void Dispose() => File.Delete(EmptyTrust);

    private static string WriteEmptyTrust()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "[]");
        return path;
    }

    private static async Task<(int Code, string Output)> Run(string[] args)
    {
        using var stdin = new StringReader("");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await VerifyCommand.RunAsync(args, stdin, stdout, stderr, new FakeTimeProvider(Now));
        return (code, stdout.ToString());
    }
}
