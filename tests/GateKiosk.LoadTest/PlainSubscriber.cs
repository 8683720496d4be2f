using System.Diagnostics;
using GateKiosk.Contracts;

namespace GateKiosk.LoadTest;

/// <summary>
/// The peer of the run: <c>mosquitto_sub -q 1</c>, a QoS 1 subscriber to every kiosk's events that stores nothing, on a
/// persistent session, in a process of its own (like central), so it receives the same stream central does without
/// sharing the simulated kiosks' threads. It prints each message's topic; this counts the topics of this run's sites and
/// notes when the last came.
/// </summary>
internal sealed class PlainSubscriber(string sitePrefix, TimeProvider time) : IDisposable
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private Task? _reading;
    private long _received;
    private long _lastAt;

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last message received.</summary>
    public long LastAt => Interlocked.Read(ref _lastAt);

    public async Task StartAsync(string host, int port, CancellationToken cancellationToken)
    {
        // Line-buffered (stdbuf): a pipe would otherwise hold its output back in blocks.
        var info = new ProcessStartInfo("stdbuf")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-oL", "mosquitto_sub", "-h", host, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv5",
            "-i", "gatekiosk-loadtest-plain-" + sitePrefix.TrimEnd('-'), "-c", "-x", "3600", "-q", "1",
            "-t", Topics.AllEvents, "-F", "%t", "-d",
        })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto_sub did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("mosquitto_sub is needed for the plain subscriber (apt-get install mosquitto-clients)", ex);
        }

        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginErrorReadLine();
        _reading = Task.Run(() => ReadAsync(_process.StandardOutput), CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _subscribed.Task.WaitAsync(timeout.Token);
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        if (_reading is not null)
        {
            await _reading;
        }
    }

    public void Dispose() => _process?.Dispose();

    /// <summary>Topic lines of this run's sites count; the debug line of the SUBACK says it is listening.</summary>
    private async Task ReadAsync(StreamReader output)
    {
        var topicPrefix = Topics.Root + "/" + sitePrefix;
        while (await output.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(topicPrefix, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _received);
                Interlocked.Exchange(ref _lastAt, time.GetTimestamp());
            }
            else if (line.Contains("received SUBACK", StringComparison.Ordinal))
            {
                _subscribed.TrySetResult();
            }
        }

        _subscribed.TrySetException(new InvalidOperationException("mosquitto_sub ended before the broker confirmed its subscription"));
    }
}
