using System.Runtime.CompilerServices;
using System.Text;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Scanning;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Devices.Tests.Scanning;

/// <summary>The camera path fed with frames read from image files (no camera on a build machine).</summary>
public sealed class CameraScanSourceTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("gatekiosk-camera-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void ProcessFrame_FrameFromImageFile_ReturnsExactText()
    {
        var file = WritePng("pass.png", QrImages.Render("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEMWK4MI6UOS03CR83KLBKAVK0:H54%JVOY1:N3UTJCOS Ä"));
        var (camera, _) = Create(new FakeTimeProvider());

        var scan = camera.ProcessFrame(LuminanceImage.Load(file)!);

        Assert.Equal("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEMWK4MI6UOS03CR83KLBKAVK0:H54%JVOY1:N3UTJCOS Ä", scan?.Text);
    }

    [Fact]
    public void ProcessFrame_SameCodeInConsecutiveFrames_ReportedOncePerPresentation()
    {
        var time = new FakeTimeProvider();
        var (camera, health) = Create(time, holdOff: TimeSpan.FromSeconds(2));
        var held = LuminanceImage.Load(WritePng("held.png", QrImages.Render("BADGE-0042")))!;
        var moved = LuminanceImage.Load(WritePng("moved.png", QrImages.Render("BADGE-0042", left: 120, top: 60, seed: 7)))!;
        var other = LuminanceImage.Load(WritePng("other.png", QrImages.Render("BADGE-0043")))!;

        var reported = new List<string?>();
        foreach (var frame in new[] { held, moved, held, moved })
        {
            reported.Add(camera.ProcessFrame(frame)?.Text);
            time.Advance(TimeSpan.FromMilliseconds(33));
        }

        reported.Add(camera.ProcessFrame(other)?.Text);    // another code: a new presentation at once
        reported.Add(camera.ProcessFrame(held)?.Text);     // and back to the first: new again
        time.Advance(TimeSpan.FromSeconds(1.9));
        reported.Add(camera.ProcessFrame(held)?.Text);     // still held (seen 1.9 s ago, within the hold-off)
        time.Advance(TimeSpan.FromSeconds(2.5));
        reported.Add(camera.ProcessFrame(held)?.Text);     // shown again after the hold-off: new presentation

        Assert.Equal(["BADGE-0042", null, null, null, "BADGE-0043", "BADGE-0042", null, "BADGE-0042"], reported);
        Assert.Equal(4, health.Current.Reads);
        Assert.Equal(8, camera.Statistics.WithCode);
    }

    [Fact]
    public void ProcessFrame_RegionOfInterest_DecodesOnlyInside()
    {
        var frame = LuminanceImage.Load(WritePng("left.png", QrImages.Render("IN-THE-LEFT-HALF", left: 20, top: 100)))!;
        var (left, _) = Create(new FakeTimeProvider(), roi: new RegionOfInterest(0, 0, 320, 480));
        var (right, _) = Create(new FakeTimeProvider(), roi: new RegionOfInterest(320, 0, 320, 480));

        Assert.Equal("IN-THE-LEFT-HALF", left.ProcessFrame(frame)?.Text);
        Assert.Null(right.ProcessFrame(frame));
    }

    [Fact]
    public void ProcessFrame_LightOnDarkCode_DecodedInverted()
    {
        var frame = QrImages.Render("DARK-MODE-PHONE");
        var inverted = new LuminanceFrame(frame.Pixels.Select(p => (byte)(255 - p)).ToArray(), frame.Width, frame.Height, 0);
        var (camera, _) = Create(new FakeTimeProvider());

        Assert.Equal("DARK-MODE-PHONE", camera.ProcessFrame(inverted)?.Text);
    }

    [Fact]
    public async Task CreateLatestFrameSlot_WriterFasterThanDecoder_KeepsNewestAndCountsDropped()
    {
        var dropped = 0;
        var slot = CameraScanSource.CreateLatestFrameSlot(() => dropped++);
        var frames = Enumerable.Range(0, 5).Select(i => new LuminanceFrame([(byte)i], 1, 1, i)).ToList();

        foreach (var frame in frames)
        {
            Assert.True(slot.Writer.TryWrite(frame));
        }

        slot.Writer.Complete();
        var left = await slot.Reader.ReadAllAsync().ToListAsync();

        Assert.Same(frames[^1], Assert.Single(left));
        Assert.Equal(4, dropped);
    }

    [Fact]
    public async Task ReadAsync_FramesFromImageFiles_DeliversOneScanAndRecoversWhenCameraStops()
    {
        var files = new[]
        {
            WritePng("empty.png", QrImages.Empty()),
            WritePng("a1.png", QrImages.Render("VISITOR-17")),
            WritePng("a2.png", QrImages.Render("VISITOR-17", left: 210, top: 130, seed: 3)),
        };
        var time = new FakeTimeProvider();
        var source = new ImageFileFrameSource(files, time, sessions: 2);
        var (camera, health) = Create(time, frames: source, reconnectDelay: TimeSpan.Zero);
        var changes = new List<bool>();
        health.ConnectionChanged += (_, h) => changes.Add(h.Connected);

        // The second camera session shows the code again after the hold-off: one scan per session.
        source.BetweenSessions = () => time.Advance(TimeSpan.FromSeconds(5));
        var scans = await ScanSourceTesting.TakeAsync(camera, 2);

        Assert.Equal(["VISITOR-17", "VISITOR-17"], scans.Select(s => s.Text));
        Assert.Equal([true, false, true], changes);
        Assert.True(camera.Statistics.Frames >= 4);
    }

    [Fact]
    public async Task ReadFramesAsync_RawYuv420Stream_TakesLumaPlaneOfEachFrame()
    {
        const int width = 320;
        const int height = 240;
        using var stream = new MemoryStream();
        foreach (var text in new[] { "FRAME-ONE", "FRAME-TWO" })
        {
            var luma = QrImages.Render(text, width, height, left: 60, top: 20, module: 3);
            stream.Write(luma.Pixels);
            stream.Write(Enumerable.Repeat((byte)128, width * height / 2).ToArray()); // U and V planes
        }

        stream.Position = 0;
        var source = new Yuv420StreamFrameSource("rpicam:test", () => stream, width, height, new FakeTimeProvider());
        var decoder = new QrFrameDecoder(DecodeEffort.Frame);
        using var timeout = new CancellationTokenSource(ScanSourceTesting.Bound);

        var texts = new List<string?>();
        await foreach (var frame in source.ReadFramesAsync(timeout.Token))
        {
            texts.Add(decoder.Decode(frame));
        }

        Assert.Equal(["FRAME-ONE", "FRAME-TWO"], texts);
    }

    [SkippableFact]
    public void Decode_QrBlackboxPhotos_MatchExpectedTextIncludingShiftJis()
    {
        var corpus = RepoPaths.CorpusForTest("qr-blackbox");
        Skip.If(corpus is null, RepoPaths.CorpusMissing("qr-blackbox"));
        var decoder = new QrFrameDecoder(DecodeEffort.Still);

        // A 640x480 phone photo, a 240x240 low-resolution photo, and Japanese text in Shift_JIS without an ECI.
        foreach (var name in new[] { "qrcode-1/1.png", "qrcode-3/01.png", "qrcode-2/18.png" })
        {
            var image = Path.Combine(corpus!, name);
            var expected = File.ReadAllText(Path.ChangeExtension(image, ".txt"), Encoding.UTF8);

            Assert.Equal(expected, decoder.Decode(LuminanceImage.Load(image)!));
        }
    }

    private string WritePng(string name, LuminanceFrame frame)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, LuminanceImage.EncodePng(frame));
        return path;
    }

    private static (CameraScanSource Camera, ScannerHealthTracker Health) Create(
        TimeProvider time,
        TimeSpan? holdOff = null,
        RegionOfInterest? roi = null,
        IFrameSource? frames = null,
        TimeSpan? reconnectDelay = null)
    {
        var health = new ScannerHealthTracker("camera:test", time);
        var camera = new CameraScanSource(
            frames ?? new ImageFileFrameSource([], time, sessions: 0),
            roi,
            holdOff ?? TimeSpan.FromSeconds(2),
            reconnectDelay ?? TimeSpan.FromSeconds(2),
            health,
            time,
            NullLogger.Instance);
        return (camera, health);
    }

    /// <summary>A "camera" whose frames are image files; each session plays them all, then the camera stops.</summary>
    private sealed class ImageFileFrameSource(string[] files, TimeProvider time, int sessions) : IFrameSource
    {
        private int _session;

        public string Name => "files";

        public Action? BetweenSessions { get; set; }

        public async IAsyncEnumerable<LuminanceFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (_session++ >= sessions)
            {
                // Past the last session the camera stays silent until the test ends.
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            if (_session > 1)
            {
                BetweenSessions?.Invoke();
            }

            foreach (var file in files)
            {
                await Task.Yield();
                yield return LuminanceImage.Load(file, time.GetTimestamp())!;
            }
        }
    }
}
