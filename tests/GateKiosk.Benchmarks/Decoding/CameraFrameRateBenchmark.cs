using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace GateKiosk.Benchmarks.Decoding;

/// <summary>
/// The camera path on one core: 640×480 grey frames holding a pass-sized QR code at varying places and scales go
/// through <see cref="CameraScanSource"/> as fast as it takes them; decoded frames per second, against zxing-cpp
/// (python3-zxing-cpp) decoding the same frames.
/// </summary>
internal sealed class CameraFrameRateBenchmark : IBenchmark
{
    private const int Width = 640;
    private const int Height = 480;

    public string Name => "camera-fps";

    public string Description => "decoded 640x480 frames/s of the camera path on one core (target >= 30) vs zxing-cpp decode-only";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;

        // One core, as a Pi's other cores are busy with the rest of the kiosk (and the tests on a shared machine).
        if (OperatingSystem.IsLinux())
        {
            using var self = Process.GetCurrentProcess();
            self.ProcessorAffinity = 1;
        }

        var frames = MakeFrames(48);
        var warm = new QrFrameDecoder(DecodeEffort.Frame);
        foreach (var f in frames)
        {
            warm.Decode(f);
        }

        var health = new ScannerHealthTracker("bench", TimeProvider.System);
        var source = new LoopingFrameSource(frames);
        var camera = new CameraScanSource(source, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), health, TimeProvider.System, NullLogger.Instance);
        using var run = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        try
        {
            await foreach (var _ in camera.ReadAsync(run.Token))
            {
            }
        }
        catch (OperationCanceledException)
        {
        }

        var elapsed = watch.Elapsed.TotalSeconds;
        var stats = camera.Statistics;
        var fps = stats.WithCode / elapsed;

        // The decoder alone, frame after frame on this thread: its capacity beyond the camera's pace.
        var alone = new QrFrameDecoder(DecodeEffort.Frame);
        var decoded = 0;
        var aloneWatch = Stopwatch.StartNew();
        for (var i = 0; i < frames.Count * 2; i++)
        {
            decoded += alone.Decode(frames[i % frames.Count]) is null ? 0 : 1;
        }

        var aloneFps = decoded / aloneWatch.Elapsed.TotalSeconds;

        // Frames with no code (nobody at the gate) cost a full search too.
        var empty = QrImages.Empty(Width, Height);
        var idle = new QrFrameDecoder(DecodeEffort.Frame);
        var idleWatch = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            idle.Decode(empty);
        }

        var idleMs = idleWatch.Elapsed.TotalMilliseconds / 30;

        var peerMs = await ZxingCppMeanMsAsync(frames);
        await output.WriteLineAsync($"gatekiosk camera path (1 core, camera paced at 60 frames/s): {stats.WithCode} frames decoded in {elapsed:F1} s = {fps:F1} decoded frames/s; {stats.Frames} delivered, {stats.Decoded} looked at, {stats.Dropped} dropped while busy, {stats.Decoded - stats.WithCode} without a code");
        await output.WriteLineAsync($"gatekiosk decoder alone: {decoded}/{frames.Count * 2} frames decoded, {aloneFps:F1} decoded frames/s ({1000 / aloneFps:F2} ms/frame)");
        await output.WriteLineAsync($"gatekiosk frame without a code: {idleMs:F2} ms");
        if (peerMs is { } ms)
        {
            var peerFps = 1000 / ms;
            await output.WriteLineAsync($"zxing-cpp decode-only on the same frames: {ms:F2} ms/frame = {peerFps:F1} frames/s; gatekiosk decoder alone / zxing-cpp = {aloneFps / peerFps:F2}");
        }

        if (fps >= 30)
        {
            await output.WriteLineAsync("targets: met (>= 30 decoded frames/s)");
            return 0;
        }

        await output.WriteLineAsync($"targets NOT met:\n  camera path: {fps:F1} decoded frames/s < 30");
        return 1;
    }

    private static List<LuminanceFrame> MakeFrames(int count)
    {
        var frames = new List<LuminanceFrame>();
        var random = new Random(42);
        for (var i = 0; i < count; i++)
        {
            // A GateKiosk pass is ~250-400 Base45 characters behind its prefix: QR version 10-15.
            var text = "GK1:" + new string(Enumerable.Range(0, 260 + random.Next(140)).Select(_ => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"[random.Next(45)]).ToArray());
            var module = 3 + (i % 3);
            var size = (text.Length > 330 ? 81 : 73) * module;
            frames.Add(QrImages.Render(text, Width, Height, random.Next(Math.Max(1, Width - size)), random.Next(Math.Max(1, Height - size)), module, seed: i));
        }

        return frames;
    }

    private static async Task<double?> ZxingCppMeanMsAsync(List<LuminanceFrame> frames)
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            return null;
        }

        var folder = Directory.CreateTempSubdirectory("gatekiosk-camera-fps-");
        try
        {
            var files = new List<string>();
            for (var i = 0; i < frames.Count; i++)
            {
                var file = Path.Combine(folder.FullName, $"{i}.png");
                await File.WriteAllBytesAsync(file, LuminanceImage.EncodePng(frames[i]));
                files.Add(file);
            }

            await using var stream = typeof(CameraFrameRateBenchmark).Assembly.GetManifestResourceStream("zxingcpp_decode_only.py")!;
            var script = Path.Combine(folder.FullName, "zxingcpp_decode_only.py");
            await using (var file = File.Create(script))
            {
                await stream.CopyToAsync(file);
            }

            var start = new ProcessStartInfo("/usr/bin/python3", [script]) { RedirectStandardInput = true, RedirectStandardOutput = true, StandardOutputEncoding = Encoding.UTF8 };
            using var process = Process.Start(start)!;
            var read = process.StandardOutput.ReadToEndAsync();
            foreach (var f in files)
            {
                await process.StandardInput.WriteLineAsync(f);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var ms = (await read).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => { using var json = JsonDocument.Parse(line); return json.RootElement.GetProperty("ms").GetDouble(); })
                .ToList();
            return ms.Count == 0 ? null : ms.Average();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A camera that has the next frame ready the moment it is asked: the decoder is the only limit.</summary>
    private sealed class LoopingFrameSource(List<LuminanceFrame> frames) : IFrameSource
    {
        public string Name => "bench-frames";

        public async IAsyncEnumerable<LuminanceFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
            {
                // Paced at 60 frames/s, faster than the 30 a Pi camera gives, so that the decoder never waits for one.
                await Task.Delay(TimeSpan.FromMilliseconds(1000.0 / 60), cancellationToken);
                yield return frames[i % frames.Count];
            }
        }
    }
}
