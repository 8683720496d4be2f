using System.Net;
using System.Net.Http.Headers;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Web;

/// <summary>Every API route, once central has accounts: 401 without a user, 403 for a role its policy leaves out, personal tokens.</summary>
public sealed class ApiRoleTests(CentralSite site) : IClassFixture<CentralSite>
{
    [Fact(Timeout = 60_000)]
    public async Task ApiRoutes_WithoutUserOnLoopbackOnceAccountsExist_Return401()
    {
        var failures = new List<string>();
        foreach (var (method, path, _) in await RoutesAsync())
        {
            using var response = await site.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {path} → {(int)response.StatusCode}");
            }
        }

        Assert.True(failures.Count == 0, "answered without a user: " + string.Join(", ", failures));
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiRoutes_EachRolesPersonalToken_Return403ExactlyWhereThePolicyLeavesTheRoleOut()
    {
        var routes = await RoutesAsync();
        Assert.Contains(routes, r => !r.Roles.Contains(Roles.Viewer));

        var failures = new List<string>();
        foreach (var role in Roles.All)
        {
            var (token, _) = site.TokenOf(CentralSite.UserOf(role));
            foreach (var (method, path, roles) in routes)
            {
                var status = await SendAsync(method, path, token);
                var expected = roles.Contains(role) ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
                if (status != expected && !(expected == HttpStatusCode.OK && status == HttpStatusCode.BadRequest))
                {
                    failures.Add($"{role}: {method} {path} → {(int)status}, expected {(int)expected}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(", ", failures));
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiEvents_ViewerToken_Returns403AsJson()
    {
        var (token, _) = site.TokenOf(CentralSite.UserOf(Roles.Viewer));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await site.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("\"forbidden\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PersonalToken_Revoked_StopsWorking()
    {
        site.AddUser("revoke-user", Roles.Manager);
        var (token, id) = site.TokenOf("revoke-user");
        var (other, _) = site.TokenOf("revoke-user");
        Assert.Equal(HttpStatusCode.OK, await SendAsync("GET", "/api/events", token));

        Assert.True(site.Accounts.RevokeToken(site.Accounts.Store.Find("revoke-user")!, id));

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("GET", "/api/events", token));
        Assert.Equal(HttpStatusCode.OK, await SendAsync("GET", "/api/events", other));
    }

    [Fact(Timeout = 60_000)]
    public async Task PersonalToken_UserDisabled_StopsWorkingUntilEnabled()
    {
        site.AddUser("disable-user", Roles.Guard);
        var (token, _) = site.TokenOf("disable-user");

        Assert.True(site.Accounts.SetDisabled("disable-user", true).Done);
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("GET", "/api/kiosks", token));

        Assert.True(site.Accounts.SetDisabled("disable-user", false).Done);
        Assert.Equal(HttpStatusCode.OK, await SendAsync("GET", "/api/kiosks", token));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("gkp_")]
    [InlineData("gkp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-token-at-all-0123456789")]
    public async Task PersonalToken_Unknown_Returns401(string token) =>
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("GET", "/api/kiosks", token));

    private async Task<HttpStatusCode> SendAsync(string method, string path, string token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await site.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>
    /// Every route under <c>/api</c> the running app maps, with parameters filled with valid ids, and the roles that
    /// all of its policies admit (read from the endpoint's metadata, so a new route is covered without a change here).
    /// </summary>
    private async Task<List<(string Method, string Path, IReadOnlyList<string> Roles)>> RoutesAsync()
    {
        var services = site.Central.Services;
        var policies = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var routes = new List<(string, string, IReadOnlyList<string>)>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var raw = "/" + endpoint.RoutePattern.RawText?.TrimStart('/');
            // Public routes (the declaration form's JSON) take no user at all; their own tests cover them.
            if (!raw.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                continue;
            }

            IEnumerable<string> roles = Roles.All;
            foreach (var data in endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>())
            {
                var policy = await policies.GetPolicyAsync(data.Policy!);
                Assert.NotNull(policy);
                foreach (var requirement in policy.Requirements.OfType<ApiAccessRequirement>())
                {
                    roles = roles.Intersect(requirement.Roles);
                }
            }

            var path = string.Join('/', endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart p2 => p2.Name.ToLowerInvariant() + "-1",
                _ => "",
            }))));
            var method = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is [var first, ..] ? first : HttpMethods.Get;
            routes.Add((method, "/" + path, roles.ToList()));
        }

        Assert.Contains(routes, r => r.Item2 == "/api/events");
        return routes;
    }
}
