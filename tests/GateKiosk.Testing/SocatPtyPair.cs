using System.Diagnostics;
using System.Text.RegularExpressions;

namespace GateKiosk.Testing;

/// <summary>
/// A real pseudo-terminal pair made by <c>socat -d -d pty,raw,echo=0 pty,raw,echo=0</c> (Debian package socat):
/// whatever is written to one end comes out of the other, through the kernel's tty layer like a USB CDC-ACM port.
/// </summary>
public sealed partial class SocatPtyPair : IAsyncDisposable
{
    public const string Socat = "/usr/bin/socat";

    /// <summary>How long socat may take to start or stop.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly Process _process;

    private SocatPtyPair(Process process, string first, string second)
    {
        _process = process;
        First = first;
        Second = second;
    }

    /// <summary>The end the scanner source opens.</summary>
    public string First { get; }

    /// <summary>The end the test writes the scanner's bytes to.</summary>
    public string Second { get; }

    public static bool Available => File.Exists(Socat);

    /// <summary>Starts socat and waits (bounded) for it to report both /dev/pts paths on standard error.</summary>
    /// <param name="links">Optional stable symlinks for the two ends (so a restarted pair keeps its names).</param>
    public static async Task<SocatPtyPair> StartAsync((string First, string Second)? links = null)
    {
        var start = new ProcessStartInfo(Socat) { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(links is { } l1 ? $"pty,raw,echo=0,link={l1.First}" : "pty,raw,echo=0");
        start.ArgumentList.Add(links is { } l2 ? $"pty,raw,echo=0,link={l2.Second}" : "pty,raw,echo=0");
        var process = Process.Start(start)!;
        var paths = new List<string>();
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            // socat -d -d prints "N PTY is /dev/pts/5" once per end, then "starting data transfer loop".
            while (paths.Count < 2 && await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                if (PtyLine().Match(line) is { Success: true } m)
                {
                    paths.Add(m.Groups[1].Value);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (paths.Count < 2)
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException("socat did not report two pseudo-terminals");
        }

        // Keep draining standard error so socat never blocks on it.
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        return new SocatPtyPair(process, links?.First ?? paths[0], links?.Second ?? paths[1]);
    }

    /// <summary>Opens the test's end for writing the scanner's bytes.</summary>
    public FileStream OpenWriter() => new(Second, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

    /// <summary>Stops socat: both pseudo-terminals disappear, as a USB port does when the scanner is pulled.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            using var timeout = new CancellationTokenSource(Bound);
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"PTY is (/dev/pts/\d+)")]
    private static partial Regex PtyLine();
}
