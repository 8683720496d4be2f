using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Web;

/// <summary>Sign-in attempts from one address beyond <c>Central:SignInAttemptsPerMinute</c> get 429 without a password check.</summary>
public sealed partial class SignInLimitTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-limit-" + Guid.NewGuid().ToString("N")[..8]);
    private RunningCentral? _central;

    public async Task InitializeAsync() =>
        _central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",
            ["Central:SignInAttemptsPerMinute"] = "3",
        });

    public async Task DisposeAsync()
    {
        if (_central is not null)
        {
            await _central.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task SignIn_MoreAttemptsThanTheLimit_Get429ButTheFormStillLoads()
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = _central!.Http.BaseAddress };
        var token = AntiforgeryField().Match(await http.GetStringAsync("/signin")).Groups[1].Value;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["userName"] = "someone",
                ["password"] = "wrong-password-" + i,
                ["__antiforgery"] = token,
            }));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        using var form = await http.GetAsync("/signin");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
    }

    [GeneratedRegex("name=\"__antiforgery\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
