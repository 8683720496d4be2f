using System.Text;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Testing;

namespace GateKiosk.Devices.Tests.Scanning;

/// <summary>
/// A committed sample of generated gate scenes (the benchmark's scene generator, tuning seed): phone screens and
/// held badges with blur, noise, uneven light, camera sharpening and JPEG loss. Each NAME.jpg holds the code whose
/// exact text is NAME.txt.
/// </summary>
public sealed class GateSceneDecodeTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "tests", "GateKiosk.Devices.Tests", "Scanning", "GateScenes");

    [Fact]
    public void Decode_GeneratedGateScenes_EachReadsItsExactText()
    {
        var images = Directory.GetFiles(Folder, "*.jpg").Order(StringComparer.Ordinal).ToList();
        var decoder = new QrFrameDecoder(DecodeEffort.Still);

        var wrong = images
            .Where(image => decoder.Decode(LuminanceImage.Load(image)!) != File.ReadAllText(Path.ChangeExtension(image, ".txt"), Encoding.UTF8))
            .Select(Path.GetFileName)
            .ToList();

        Assert.True(images.Count >= 20, $"only {images.Count} scenes in {Folder}");
        Assert.Empty(wrong);
    }
}
