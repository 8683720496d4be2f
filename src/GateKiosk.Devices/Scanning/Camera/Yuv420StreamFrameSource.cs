using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// Frames from a stream of raw planar YUV 4:2:0 (I420) frames, as <c>rpicam-vid --codec yuv420 -o -</c> writes them:
/// each frame is the Y plane (width × height bytes, which is all the decoder needs) followed by the two quarter-size
/// chroma planes, which are skipped.
/// </summary>
public sealed class Yuv420StreamFrameSource : IFrameSource
{
    private readonly Func<Stream> _open;
    private readonly int _width;
    private readonly int _height;
    private readonly TimeProvider _time;

    public Yuv420StreamFrameSource(string name, Func<Stream> open, int width, int height, TimeProvider time)
    {
        Name = name;
        _open = open;
        _width = width;
        _height = height;
        _time = time;
    }

    public string Name { get; }

    /// <summary>Starts <c>rpicam-vid</c> (or <paramref name="command"/>) streaming raw YUV420 to its standard output.</summary>
    public static Yuv420StreamFrameSource RpiCam(string command, int width, int height, int frameRate, TimeProvider time) => new(
        $"rpicam:{width}x{height}",
        () => ProcessOutputStream.Start(command, ["-t", "0", "-n", "--codec", "yuv420", "--width", $"{width}", "--height", $"{height}", "--framerate", $"{frameRate}", "--flush", "-o", "-"]),
        width,
        height,
        time);

    public async IAsyncEnumerable<LuminanceFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lumaSize = _width * _height;
        var chromaSize = lumaSize / 2;
        var chroma = new byte[chromaSize];
        await using var stream = _open();
        while (true)
        {
            var luma = new byte[lumaSize];
            if (await stream.ReadAtLeastAsync(luma, lumaSize, throwOnEndOfStream: false, cancellationToken) < lumaSize)
            {
                yield break;
            }

            var capturedAt = _time.GetTimestamp();
            if (await stream.ReadAtLeastAsync(chroma, chromaSize, throwOnEndOfStream: false, cancellationToken) < chromaSize)
            {
                yield break;
            }

            yield return new LuminanceFrame(luma, _width, _height, capturedAt);
        }
    }

    /// <summary>A child process's standard output; disposing it stops the process.</summary>
    private sealed class ProcessOutputStream(Process process) : ForwardingReadStream(process.StandardOutput.BaseStream)
    {
        public static ProcessOutputStream Start(string command, string[] arguments)
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            // Start throws Win32Exception when the program is missing; the caller retries as for an unplugged camera.
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new IOException($"{command} did not start");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new IOException($"{command}: {ex.Message}", ex);
            }

            // The camera stack is chatty on standard error; drain it so the process never blocks on a full pipe.
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginErrorReadLine();
            return new ProcessOutputStream(process);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }

                process.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
