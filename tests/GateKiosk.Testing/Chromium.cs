using System.Diagnostics;

namespace GateKiosk.Testing;

/// <summary>Debian's Chromium, headless, for tests of pages served on loopback.</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public const string NotInstalled = "chromium is not installed (/usr/bin/chromium); the test command installs it with apt-get.";

    /// <summary>Loads <paramref name="url"/>, lets its scripts run, and returns the resulting DOM.</summary>
    public static async Task<string> DumpDomAsync(string url, string profileFolder)
    {
        Directory.CreateDirectory(profileFolder);
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profileFolder}",
            "--virtual-time-budget=4000", "--dump-dom", url,
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("chromium did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 60 s: " + await stderr);
        }

        return await stdout;
    }
}
