using System.Net;
using System.Security.Claims;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Tests.Api;

/// <summary>"Loopback only" as Kestrel binds it, in the options check at start and in the API policy at run time.</summary>
public sealed class ListenScopeTests
{
    private const string Token = "test-token-0123456789abcdef";

    [Theory]
    [InlineData("http://loopback:8080")]
    [InlineData("http://LOOPBACK:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://central.example:8080")]
    [InlineData("http://127.0.0.1:8080;http://localhost.example:8081")]
    public void Validate_UrlBindingEveryInterfaceWithoutToken_Succeeds(string urls)
    {
        // Users sign in (and scripts use personal tokens), so the deprecated shared token is never required.
        var result = new CentralOptionsValidator().Validate(null, new CentralOptions { Urls = urls });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("http://localhost:8080")]
    [InlineData("http://LocalHost:8080")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.2:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("https://127.0.0.1:8443;http://localhost:8080")]
    public void Validate_LoopbackUrlWithoutToken_Succeeds(string urls) =>
        Assert.True(new CentralOptionsValidator().Validate(null, new CentralOptions { Urls = urls }).Succeeded, urls);

    [Theory]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://central.example:8080")]
    public void Validate_AnyInterfaceUrlWithToken_Succeeds(string urls)
    {
        var result = new CentralOptionsValidator().Validate(null, new CentralOptions { Urls = urls, ApiToken = Token });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:8080/base")]
    [InlineData("127.0.0.1:8080")]
    public void Validate_NotAnHttpUrl_NamesUrls(string urls)
    {
        var result = new CentralOptionsValidator().Validate(null, new CentralOptions { Urls = urls });

        Assert.Contains("Central:Urls", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gate.example:8080")]
    [InlineData("http://gate.example")]
    [InlineData("::1")]
    public void Validate_AllowedHostWithSchemeOrPort_NamesAllowedHosts(string hosts)
    {
        var result = new CentralOptionsValidator().Validate(null, new CentralOptions { AllowedHosts = hosts });

        Assert.Contains("Central:AllowedHosts", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveAllowedHosts_EmptyOnLoopback_AreLoopbackNamesAndUrlHosts() =>
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "127.0.0.2"], new CentralOptions { Urls = "http://127.0.0.2:8080;http://localhost:8081" }.EffectiveAllowedHosts());

    [Fact]
    public void EffectiveAllowedHosts_EmptyBeyondLoopback_AcceptsAny() =>
        Assert.Equal(["*"], new CentralOptions { Urls = "http://0.0.0.0:8080", ApiToken = Token }.EffectiveAllowedHosts());

    [Fact]
    public void EffectiveAllowedHosts_Configured_AreTheConfiguredOnes() =>
        Assert.Equal(["gate.example", "*.site.example"], new CentralOptions { AllowedHosts = " gate.example ; *.site.example" }.EffectiveAllowedHosts());

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://[::1]:8080", "http://127.0.0.1:8081")]
    public async Task ApiAccessHandler_NoTokenAndServerListensOnLoopbackOnly_Grants(params string[] addresses) =>
        Assert.True(await GrantsAsync(token: "", addresses, IPAddress.Loopback));

    [Theory]
    [InlineData("http://[::]:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://127.0.0.1:8080", "http://0.0.0.0:8081")]
    [InlineData("http://unix:/run/gatekiosk/central.sock")]
    [InlineData]
    public async Task ApiAccessHandler_NoTokenAndServerListensBeyondLoopback_Refuses(params string[] addresses) =>
        Assert.False(await GrantsAsync(token: "", addresses, IPAddress.Loopback));

    [Fact]
    public async Task ApiAccessHandler_NoTokenAndCallerNotOnLoopback_Refuses() =>
        Assert.False(await GrantsAsync(token: "", ["http://127.0.0.1:8080"], IPAddress.Parse("192.0.2.1")));

    [Fact]
    public async Task ApiAccessHandler_TokenConfiguredAndNoneGiven_Refuses() =>
        Assert.False(await GrantsAsync(Token, ["http://127.0.0.1:8080"], IPAddress.Loopback));

    [Fact]
    public async Task ApiAccessHandler_NoTokenOnLoopbackOnceAnAccountExists_Refuses() =>
        Assert.False(await GrantsAsync(token: "", ["http://127.0.0.1:8080"], IPAddress.Loopback, withAccount: true));

    private static async Task<bool> GrantsAsync(string token, string[] addresses, IPAddress caller, bool withAccount = false)
    {
        var folder = Path.Combine(Path.GetTempPath(), "gk-scope-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var accounts = new SqliteAccountStore(Path.Combine(folder, "central.db"));
            if (withAccount)
            {
                Assert.True(accounts.Add("someone", "Someone", "not-a-real-hash", Roles.Admin, ["*"], DateTimeOffset.UnixEpoch));
            }

            return await GrantsAsync(token, addresses, caller, accounts);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<bool> GrantsAsync(string token, string[] addresses, IPAddress caller, IAccountStore accounts)
    {
        var server = new FakeServer();
        foreach (var address in addresses)
        {
            server.Addresses.Addresses.Add(address);
        }

        var handler = new ApiAccessHandler(Options.Create(new CentralOptions { ApiToken = token }), server, accounts);
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = caller;
        var context = new AuthorizationHandlerContext([new ApiAccessRequirement()], new ClaimsPrincipal(new ClaimsIdentity()), http);

        await handler.HandleAsync(context);
        return context.HasSucceeded;
    }

    /// <summary>A server that reports the addresses it listens on, as Kestrel does after it has bound them.</summary>
    private sealed class FakeServer : IServer
    {
        public FakeServer() => Features.Set<IServerAddressesFeature>(Addresses);

        public ServerAddressesFeature Addresses { get; } = new();

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
