using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GateKiosk.Testing;

/// <summary>
/// A real Mosquitto broker on a free loopback port, started by the test, with persistence on. It can be stopped
/// and started again on the same port and data folder, as a broker restart in the field would.
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/mosquitto";
    private readonly string _folder;
    private readonly string _config;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private Mosquitto(int port, string folder, string configText)
    {
        Port = port;
        _folder = folder;
        _config = Path.Combine(folder, "mosquitto.conf");
        File.WriteAllText(_config, configText);
        if (Environment.UserName == "root")
        {
            // Started as root, Mosquitto drops to the user 'mosquitto', which must own its persistence folder
            // and be able to read the certificates and ACL file the test put in the folder.
            using var chown = Process.Start("chown", ["-R", "mosquitto", folder]);
            chown.WaitForExit(10_000);
        }
    }

    /// <summary>True when Mosquitto is installed here.</summary>
    public static bool IsInstalled => File.Exists(Binary);

    /// <summary>The skip message when it is not.</summary>
    public const string NotInstalled = "mosquitto is not installed (/usr/sbin/mosquitto); the test command installs it with apt-get.";

    public int Port { get; }

    /// <summary>The broker's process id while it runs.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The broker's folder (configuration, data, and whatever files the test put there).</summary>
    public string Folder => _folder;

    /// <summary>What the broker wrote to stderr, line by line, across restarts.</summary>
    public IReadOnlyCollection<string> Log => _log;

    /// <summary>Starts a broker on a free loopback port; <paramref name="extraConfig"/> is appended to its configuration.</summary>
    public static Task<Mosquitto> StartAsync(string extraConfig = "", int? port = null) =>
        StartWithConfigAsync((port, folder) => $"""
            listener {port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {Path.Combine(folder, "data")}/
            autosave_interval 1
            max_queued_messages 1000000
            max_inflight_messages 0
            log_dest stderr
            log_type error
            log_type warning
            {extraConfig}
            """,
            port);

    /// <summary>
    /// Starts a broker with a configuration the caller writes: <paramref name="configure"/> gets the free port and the
    /// broker's folder (with an empty <c>data</c> subfolder), may put files there (certificates, ACL), and returns the
    /// whole <c>mosquitto.conf</c>. Files in the folder are handed to the user 'mosquitto' when running as root.
    /// </summary>
    public static async Task<Mosquitto> StartWithConfigAsync(Func<int, string, string> configure, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var folder = Path.Combine(Path.GetTempPath(), "gk-mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        var chosen = port ?? FreePort();
        var broker = new Mosquitto(chosen, folder, configure(chosen, folder));
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Starts (again) and waits until the port accepts connections.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Binary, ["-c", _config]) { RedirectStandardError = true, RedirectStandardOutput = true };
        _process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _log.Enqueue(line);
            }
        };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
                return;
            }
            catch (SocketException) when (!timeout.IsCancellationRequested && !_process.HasExited)
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (SocketException ex) when (_process.HasExited)
            {
                await _process.WaitForExitAsync(CancellationToken.None);
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {string.Join(" | ", _log)}", ex);
            }
        }
    }

    /// <summary>Stops the broker (SIGTERM, so it writes its persistence file) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            using var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill();
                await p.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A free TCP port on loopback.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
