using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using GateKiosk.Demo;
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
    private string _password = "";
    private string _token = "";

    public async Task InitializeAsync()
    {
        // Scripted scans every 2 s keep the typed entry among the dashboard's latest 50 while Chromium starts.
        _demo = Task.Run(() => DemoRunner.RunAsync(
            [$"--Demo:DataDirectory={_folder}", "--Demo:HttpPort=0", "--Demo:ScanInterval=00:00:02"], _console, _terminal, _stop.Token));
        await Eventually.TrueAsync(() => _console.Text.Contains("Press Ctrl+C", StringComparison.Ordinal) || _demo.IsCompleted, TimeSpan.FromSeconds(30), "the demo starts");
        Assert.False(_demo.IsCompleted, _console.Text);
        _url = Line("Dashboard:").Split("Dashboard:")[1].Trim();
        _password = Line("Sign in:").Split(DemoRunner.DemoAdmin + " / ")[1].Trim();
        _token = Line("Authorization: Bearer").Split("Bearer ")[1].TrimEnd(')', ' ', '\r');
    }

    private string Line(string marker) => _console.Text.Split('\n').Single(l => l.Contains(marker, StringComparison.Ordinal));

    private HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = new Uri(_url), Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _token);
        return http;
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

    /// <summary>An enrolled badge the demo's script never presents: an entry for it can only come from typing it.</summary>
    internal const string TypedCode = "E1005";

    [Fact(Timeout = 60_000)]
    public async Task TypedScan_AppearsInApiAsAnAllowAtFactoryDoor()
    {
        Assert.StartsWith("http://127.0.0.1:", _url, StringComparison.Ordinal);
        using var http = Api();
        var typedAt = Stopwatch.StartNew();
        _terminal.Type("2 " + TypedCode);

        JsonElement entry = default;
        await Eventually.TrueAsync(
            async () =>
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync($"/api/events?subject={TypedCode}&limit=10"));
                var items = doc.RootElement.GetProperty("items");
                if (items.GetArrayLength() == 0)
                {
                    return false;
                }

                entry = items[0].Clone();
                return true;
            },
            TimeSpan.FromSeconds(10),
            "the typed scan reaches the API");

        output.WriteLine($"typed scan visible in GET /api/events after {typedAt.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(DemoRunner.SiteId, entry.GetProperty("siteId").GetString());
        Assert.Equal("factory-door", entry.GetProperty("kioskId").GetString());
        Assert.Equal("allow", entry.GetProperty("decision").GetString());
        Assert.Equal(TypedCode, entry.GetProperty("credential").GetProperty("subjectId").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Api_WithoutTheDemoAdminsToken_Returns401()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_url), Timeout = TimeSpan.FromSeconds(5) };

        using var response = await http.GetAsync("/api/events");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Dashboard_InChromium_ShowsTypedEntryRow()
    {
        Skip.IfNot(File.Exists(Chromium.Path), Chromium.NotInstalled);
        _terminal.Type(TypedCode);
        using var http = Api();
        await Eventually.TrueAsync(
            async () => (await http.GetStringAsync($"/api/events?subject={TypedCode}&limit=1")).Contains(TypedCode, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the scan reaches the API");

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Web.CentralSite.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await Web.CentralSite.SignInAsync(page, _url, DemoRunner.DemoAdmin, _password);
        var dom = await page.ContentAsync();

        // Columns: time, site, kiosk, seq, event, decision, reason, credential, subject, latency.
        var rows = EntryRows(dom);
        output.WriteLine($"dashboard DOM: {dom.Length} characters, entry rows: {rows.Count}");
        var row = Assert.Single(rows, r => r[8] == TypedCode);
        Assert.Equal(DemoRunner.SiteId, row[1]);
        Assert.Equal("main-gate", row[2]);
        Assert.Equal("allow", row[5]);
        Assert.Equal("badge", row[7]);
        Assert.Contains("online", dom, StringComparison.Ordinal);
    }

    /// <summary>The cells' text of each entry row (<c>tr[data-event-id]</c>) of the dashboard's table.</summary>
    private static List<string[]> EntryRows(string dom) =>
        Regex.Matches(dom, "<tr[^>]*\\bdata-event-id=\"[^\"]+\"[^>]*>(.*?)</tr>", RegexOptions.Singleline)
            .Select(row => Regex.Matches(row.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline)
                .Select(cell => WebUtility.HtmlDecode(cell.Groups[1].Value).Trim())
                .ToArray())
            .Where(cells => cells.Length == 10)
            .ToList();

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

/// <summary>The demo's script, which <see cref="DemoTests"/> relies on never to present the code it types.</summary>
public sealed class DemoScriptTests
{
    [Fact]
    public void Script_TypedCode_IsEnrolledAndNeverPresented()
    {
        Assert.Contains(DemoTests.TypedCode, DemoRunner.EnrolledBadges);
        Assert.DoesNotContain(DemoRunner.ScriptedCodes, c => c.Contains(DemoTests.TypedCode, StringComparison.Ordinal));
    }
}
