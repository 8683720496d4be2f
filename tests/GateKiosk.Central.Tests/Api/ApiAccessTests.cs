using System.Globalization;
using System.Net;
using System.Text;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Api;

/// <summary>Who may call central's API, tried over HTTP against a running central on loopback.</summary>
public sealed class ApiAccessTests : IAsyncLifetime
{
    private const string Token = "test-token-0123456789abcdef";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-api-" + Guid.NewGuid().ToString("N")[..8]);

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
    public async Task ApiRoutes_AnyLetterCaseWithoutToken_Return401()
    {
        await using var central = await StartAsync(Token);

        var failures = new List<string>();
        foreach (var (method, path) in ApiRequests(central))
        {
            using var response = await central.Http.SendAsync(Request(method, path));
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {path} → {(int)response.StatusCode}");
            }
        }

        Assert.True(failures.Count == 0, "answered without a token: " + string.Join(", ", failures));
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiRoutes_AnyLetterCaseWithToken_Return200Or400()
    {
        await using var central = await StartAsync(Token);

        var failures = new List<string>();
        foreach (var (method, path) in ApiRequests(central))
        {
            var request = Request(method, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            using var response = await central.Http.SendAsync(request);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
            {
                failures.Add($"{method} {path} → {(int)response.StatusCode}");
            }
        }

        Assert.True(failures.Count == 0, "refused with the right token: " + string.Join(", ", failures));
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiRoutes_TokenInQueryString_Return401()
    {
        await using var central = await StartAsync(Token);

        var failures = new List<string>();
        foreach (var (method, path) in ApiRequests(central))
        {
            foreach (var name in new[] { "access_token", "token" })
            {
                var url = $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{name}={Token}";
                using var response = await central.Http.SendAsync(Request(method, url));
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{method} {url} → {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, "took the token from the query string: " + string.Join(", ", failures));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("Bearer wrong-token-0123456789abcdef")]
    [InlineData("Bearer " + Token + "x")]
    [InlineData("Basic " + Token)]
    [InlineData("Bearer")]
    public async Task ApiKiosks_WrongAuthorization_Returns401(string authorization)
    {
        await using var central = await StartAsync(Token);
        var request = Request(HttpMethods.Get, "/api/kiosks");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await central.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiRoutes_NoTokenOnLoopback_AreOpenInAnyLetterCase()
    {
        await using var central = await StartAsync(token: null);

        foreach (var (method, path) in ApiRequests(central))
        {
            using var response = await central.Http.SendAsync(Request(method, path));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{method} {path} → {(int)response.StatusCode}");
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData(null)]
    [InlineData(Token)]
    public async Task SignInPage_WithOrWithoutTokenConfigured_LoadsWithoutSignIn(string? token)
    {
        await using var central = await StartAsync(token);

        using var page = await central.Http.GetAsync("/signin");
        using var health = await central.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("id=\"signin-form\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode); // anonymous, and no broker here
    }

    [Theory(Timeout = 60_000)]
    [InlineData("evil.example")]
    [InlineData("evil.example:8080")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task Api_HostHeaderNotAllowedOnLoopback_Returns400(string host)
    {
        await using var central = await StartAsync(token: null);
        var port = central.Http.BaseAddress!.Port;
        using var allowed = await central.Http.SendAsync(WithHost(Request(HttpMethods.Get, "/api/kiosks"), $"localhost:{port}"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        using var api = await central.Http.SendAsync(WithHost(Request(HttpMethods.Get, "/api/kiosks"), host));
        using var page = await central.Http.SendAsync(WithHost(Request(HttpMethods.Get, "/"), host));

        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Api_HostInConfiguredAllowedHosts_IsServedAndOthersAreNot()
    {
        await using var central = await StartAsync(token: null, new() { ["Central:AllowedHosts"] = "gate.example;127.0.0.1" });

        using var configured = await central.Http.SendAsync(WithHost(Request(HttpMethods.Get, "/api/kiosks"), "gate.example"));
        using var localhost = await central.Http.SendAsync(WithHost(Request(HttpMethods.Get, "/api/kiosks"), "localhost"));

        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, localhost.StatusCode);
    }

    /// <summary>
    /// Every route under <c>/api</c> that the running app maps (read from its <see cref="EndpointDataSource"/>, so a
    /// new route is covered without touching this test), with route parameters filled with valid ids, each written
    /// in lower, upper and mixed letter case.
    /// </summary>
    private static List<(string Method, string Path)> ApiRequests(RunningCentral central)
    {
        var endpoints = central.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => ("/" + e.RoutePattern.RawText?.TrimStart('/')).StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
            .ToList();

        // Only the visitors' public routes are open to anyone, and only under /api/public/.
        var open = endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null).ToList();
        Assert.All(open, e => Assert.StartsWith("/api/public/", "/" + e.RoutePattern.RawText?.TrimStart('/'), StringComparison.Ordinal));
        endpoints = [.. endpoints.Except(open)];
        var raw = endpoints.Select(e => e.RoutePattern.RawText).ToList();
        Assert.Contains(raw, r => r == "/api/events");
        Assert.Contains(raw, r => r == "/api/kiosks");
        Assert.Contains(raw, r => r == "/api/kiosks/{site}/{kiosk}/chain");

        var requests = new List<(string, string)>();
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is [var first, ..] ? first : HttpMethods.Get;
            foreach (var letterCase in new Func<string, int, string>[]
            {
                static (s, _) => s.ToLowerInvariant(),
                static (s, _) => s.ToUpperInvariant(),
                static (s, i) => i % 2 == 1 ? s.ToUpperInvariant() : s.ToLowerInvariant(),
                static (s, i) => i % 2 == 0 ? s.ToUpperInvariant() : s.ToLowerInvariant(),
            })
            {
                requests.Add((method, FilledPath(endpoint.RoutePattern, letterCase)));
            }
        }

        return requests;
    }

    private static string FilledPath(RoutePattern pattern, Func<string, int, string> letterCase)
    {
        var path = new StringBuilder();
        var index = 0;
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        foreach (var c in literal.Content)
                        {
                            path.Append(letterCase(c.ToString(), index++));
                        }

                        break;
                    case RoutePatternSeparatorPart separator:
                        path.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter:
                        path.Append(CultureInfo.InvariantCulture, $"{parameter.Name.ToLowerInvariant()}-1");
                        break;
                }
            }
        }

        return path.ToString();
    }

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != HttpMethods.Get)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static HttpRequestMessage WithHost(HttpRequestMessage request, string host)
    {
        request.Headers.Host = host;
        return request;
    }

    private Task<RunningCentral> StartAsync(string? token, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? [])
        {
            ["Central:ApiToken"] = token ?? "",

            // No broker: the collector keeps trying in the background; the API answers from the store.
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",
        };
        return RunningCentral.StartAsync(Path.Combine(_folder, "central"), settings);
    }
}
