using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using GateKiosk.Central.Demo;
using GateKiosk.Testing;
using Xunit.Abstractions;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>The demo as a newcomer runs it: a typed scan shows up in the API and on the dashboard in a real browser.</summary>
public sealed class DemoTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-demo-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ChannelTextReader _terminal = new();
    private readonly CapturingWriter _console = new();
    private readonly CancellationTokenSource _stop = new();
    private Task<int>? _demo;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _demo = Task.Run(() => DemoRunner.RunAsync(
            [$"--Demo:DataDirectory={_folder}", "--Demo:HttpPort=0", "--Demo:ScanInterval=00:00:00.500"], _console, _terminal, _stop.Token));
        await Eventually.TrueAsync(() => _console.Text.Contains("Press Ctrl+C", StringComparison.Ordinal) || _demo.IsCompleted, TimeSpan.FromSeconds(30), "the demo starts");
        Assert.False(_demo.IsCompleted, _console.Text);
        _url = _console.Text.Split('\n').Single(l => l.Contains("Dashboard:", StringComparison.Ordinal)).Split("Dashboard:")[1].Trim();
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_demo is not null)
        {
            Assert.Equal(0, await _demo.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Contains("Stopped.", _console.Text, StringComparison.Ordinal);
        _stop.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task TypedScan_AppearsInApiWithinTwoSeconds()
    {
        Assert.StartsWith("http://127.0.0.1:", _url, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(_url), Timeout = TimeSpan.FromSeconds(5) };
        var typedAt = Stopwatch.StartNew();
        _terminal.Type("2 E1004");

        await Eventually.TrueAsync(
            async () =>
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/events?kiosk=factory-door&subject=E1004&limit=1"));
                return doc.RootElement.GetProperty("items").GetArrayLength() == 1;
            },
            TimeSpan.FromSeconds(10),
            "the typed scan reaches the API");

        output.WriteLine($"typed scan visible in GET /api/events after {typedAt.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(typedAt.Elapsed < TimeSpan.FromSeconds(2), $"took {typedAt.Elapsed}");
    }

    [SkippableFact(Timeout = 90_000)]
    public async Task Dashboard_InChromium_ShowsScannedEntry()
    {
        Skip.IfNot(File.Exists(Chromium.Path), Chromium.NotInstalled);
        _terminal.Type("E1003");
        using var http = new HttpClient { BaseAddress = new Uri(_url), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(
            async () => (await http.GetStringAsync("/api/events?subject=E1003&limit=1")).Contains("E1003", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the scan reaches the API");

        var dom = await Chromium.DumpDomAsync(_url, Path.Combine(_folder, "chromium"));

        Assert.Contains("data-event-id", dom, StringComparison.Ordinal);
        Assert.Contains("E1003", dom, StringComparison.Ordinal);
        Assert.Contains("main-gate", dom, StringComparison.Ordinal);
        Assert.Contains("online", dom, StringComparison.Ordinal);
        output.WriteLine($"dashboard DOM: {dom.Length} characters, entry rows: {dom.Split("data-event-id").Length - 1}");
    }

    /// <summary>A terminal the test types into.</summary>
    private sealed class ChannelTextReader : TextReader
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

        public void Type(string line) => _lines.Writer.TryWrite(line);

        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
            await _lines.Reader.ReadAsync(cancellationToken);
    }

    /// <summary>The demo's console, captured.</summary>
    private sealed class CapturingWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return ToString();
                }
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }

            return Task.CompletedTask;
        }
    }
}
