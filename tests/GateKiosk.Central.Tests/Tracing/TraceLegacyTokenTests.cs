using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>The deprecated shared <c>Central:ApiToken</c> reaches <c>/api/trace</c> only until central has accounts.</summary>
public sealed class TraceLegacyTokenTests : IAsyncLifetime
{
    private const string Token = "test-token-0123456789abcdef";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-trace-legacy-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact(Timeout = 60_000)]
    public async Task GetTrace_SharedToken_AnsweredUntilTheFirstAccountThenForbidden()
    {
        await using var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>
        {
            ["Central:ApiToken"] = Token,
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",
        });

        Assert.Equal(HttpStatusCode.OK, await GetAsync(central, "/api/trace?kind=badge&subject=A&from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z"));

        Assert.True(central.Services.GetRequiredService<AccountService>().Add("first-admin", "First", "correct-horse-battery", Roles.Admin, ["*"]).Done);

        Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(central, "/api/trace?kind=badge&subject=A&from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(central, "/api/kiosks"));
    }

    private static async Task<HttpStatusCode> GetAsync(RunningCentral central, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await central.Http.SendAsync(request);
        return response.StatusCode;
    }
}
