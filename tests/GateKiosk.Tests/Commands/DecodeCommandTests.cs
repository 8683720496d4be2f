using System.Text.Json;
using GateKiosk.Commands;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Commands;

public sealed class DecodeCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("gatekiosk-decode-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Run_JsonWithCodeAndBlankImage_PrintsOneLinePerImageAndExitsZero()
    {
        var pass = Write("pass.png", QrImages.Render("HC1:NCF/Y43 Tiếng Việt"));
        var blank = Write("blank.png", QrImages.Empty());
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = DecodeCommand.Run(["--json", pass, blank], output, error);

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(pass, first.RootElement.GetProperty("file").GetString());
        Assert.Equal("HC1:NCF/Y43 Tiếng Việt", first.RootElement.GetProperty("text").GetString());
        Assert.True(first.RootElement.GetProperty("ms").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, second.RootElement.GetProperty("text").ValueKind);
        Assert.Equal(JsonValueKind.Number, second.RootElement.GetProperty("ms").ValueKind);
    }

    [Fact]
    public void Run_PlainText_PrintsFileAndText()
    {
        var pass = Write("badge.png", QrImages.Render("BADGE-000123"));
        using var output = new StringWriter();

        var exit = DecodeCommand.Run([pass], output, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.Equal($"{pass}: BADGE-000123", output.ToString().TrimEnd());
    }

    [Fact]
    public void Run_MissingFile_ReportsItAndExitsOne()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = DecodeCommand.Run(["--json", Path.Combine(_folder.FullName, "absent.png")], output, error);

        Assert.Equal(1, exit);
        Assert.Contains("absent.png", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"text\":null", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoImages_PrintsUsageAndExitsTwo()
    {
        using var error = new StringWriter();

        Assert.Equal(2, DecodeCommand.Run(["--json"], TextWriter.Null, error));
        Assert.Contains(DecodeCommand.Usage, error.ToString(), StringComparison.Ordinal);
    }

    private string Write(string name, LuminanceFrame frame)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, LuminanceImage.EncodePng(frame));
        return path;
    }
}
