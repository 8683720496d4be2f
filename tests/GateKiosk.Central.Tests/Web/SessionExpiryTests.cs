using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Web;

/// <summary>The session cookie's sliding expiry, on central's own clock (a fake one here).</summary>
public sealed partial class SessionExpiryTests : IAsyncLifetime
{
    private const string Password = "correct-horse-battery";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-session-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private WebApplication? _app;
    private Uri? _url;

    public async Task InitializeAsync()
    {
        var port = Mosquitto.FreePort();
        _url = new Uri($"http://127.0.0.1:{port}");
        _app = CentralApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Central:DataDirectory"] = Path.Combine(_folder, "central"),
                ["Central:Urls"] = _url.ToString().TrimEnd('/'),
                ["Mqtt:Host"] = "127.0.0.1",
                ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Critical",
            });
            b.Services.AddSingleton<TimeProvider>(_time);
        });
        await _app.StartAsync();
        Assert.True(_app.Services.GetRequiredService<AccountService>().Add("guard1", null, Password, Roles.Guard, null).Done);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task Session_RequestsWithinTheIdleTimeout_KeepItAliveAndAnIdleSessionEnds()
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = _url };
        var token = AntiforgeryField().Match(await http.GetStringAsync("/signin")).Groups[1].Value;
        using (var signIn = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = "guard1",
            ["password"] = Password,
            ["__antiforgery"] = token,
        })))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        // Each request more than halfway through the idle timeout renews the session: 2 × 2/3 of it is still signed in.
        var step = ApiAccess.SessionIdleTimeout * 2 / 3;
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(step);
            using var page = await http.GetAsync("/account");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        _time.Advance(ApiAccess.SessionIdleTimeout + TimeSpan.FromSeconds(1));
        using var expired = await http.GetAsync("/account");

        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
        Assert.Contains("/signin", expired.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__antiforgery\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
