using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Web;

/// <summary>
/// Every page the running app maps (read from its endpoints, so a new page is covered without a change here): without a
/// session it sends the browser to sign in; with one, it turns away exactly the roles its policies leave out.
/// </summary>
public sealed class PageRoleTests(CentralSite site) : IClassFixture<CentralSite>
{
    [Fact(Timeout = 60_000)]
    public async Task Pages_WithoutSession_RedirectToSignIn()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = site.Http.BaseAddress };
        var failures = new List<string>();
        foreach (var (path, _) in await PagesAsync())
        {
            using var response = await http.GetAsync(path);
            var location = response.Headers.Location?.ToString() ?? "";
            if ((int)response.StatusCode != 302 || !location.Contains("/signin?ReturnUrl=", StringComparison.Ordinal))
            {
                failures.Add($"{path} → {(int)response.StatusCode} {location}");
            }
        }

        Assert.True(failures.Count == 0, "answered without a session: " + string.Join(", ", failures));
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Pages_EachRole_DeniedExactlyWhereThePolicyLeavesTheRoleOut()
    {
        var pages = await PagesAsync();
        Assert.Contains(pages, p => p.Path == "/passes" && !p.Roles.Contains(Roles.Guard));
        var failures = new List<string>();
        foreach (var role in Roles.All)
        {
            var page = await site.SignInAsync(CentralSite.UserOf(role));
            foreach (var (path, roles) in pages)
            {
                var response = await page.Context.APIRequest.GetAsync(path, new APIRequestContextOptions { MaxRedirects = 0 });
                var location = response.Headers.GetValueOrDefault("location", "");
                var denied = response.Status == 302 && location.Contains("/denied", StringComparison.Ordinal);
                var refused = denied || response.Status is 401 or 403 || (response.Status == 302 && location.Contains("/signin", StringComparison.Ordinal));
                if (refused == roles.Contains(role) || (!roles.Contains(role) && !denied))
                {
                    failures.Add($"{role}: {path} → {response.Status} {location}");
                }
            }

            await page.Context.CloseAsync();
        }

        Assert.True(failures.Count == 0, string.Join(", ", failures));
    }

    /// <summary>Every page that needs a user, with its route parameters filled, and the roles all its policies admit.</summary>
    private async Task<List<(string Path, IReadOnlyList<string> Roles)>> PagesAsync()
    {
        var services = site.Central.Services;
        var policies = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var pages = new List<(string, IReadOnlyList<string>)>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<PageRouteMetadata>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
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

            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                RoutePatternLiteralPart l => l.Content,
                RoutePatternParameterPart { Name: "format" } => "csv",
                RoutePatternParameterPart { Name: "id" } q when q.ParameterPolicies.Any(c => c.Content == "long") => "1",
                RoutePatternParameterPart q => q.Name + "-1",
                _ => "",
            }))));
            if (!pages.Any(p => p.Item1 == path))
            {
                pages.Add((path, roles.ToList()));
            }
        }

        Assert.Contains(pages, p => p.Item1 == "/alarms");
        return pages;
    }
}
