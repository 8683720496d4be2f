using System.Net;
using System.Net.Http.Headers;
using GateKiosk.Central.Accounts;
using GateKiosk.Testing;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Web;

/// <summary>The managers' pages in a real Chromium: sign-in per role, lockout, sign-out, languages and the CSP.</summary>
public sealed class BrowserTests(CentralSite site) : IClassFixture<CentralSite>
{
    [SkippableTheory(Timeout = 120_000)]
    [InlineData(Roles.Admin, true)]
    [InlineData(Roles.Manager, false)]
    [InlineData(Roles.Guard, false)]
    [InlineData(Roles.Health, false)]
    [InlineData(Roles.Viewer, false)]
    public async Task SignIn_EachRole_SeesOnlyThePagesOfItsRole(string role, bool seesUsers)
    {
        var page = await site.SignInAsync(CentralSite.UserOf(role));

        Assert.EndsWith("/", page.Url, StringComparison.Ordinal);
        Assert.Equal("Test " + CentralSite.UserOf(role), await page.InnerTextAsync("#who-name"));
        Assert.Equal(seesUsers ? 1 : 0, await page.Locator("#nav-users").CountAsync());
        Assert.Equal(1, await page.Locator("#events").CountAsync());

        // Subjects (personal fields) are a column for every role but viewer.
        var subjectHeader = await page.Locator("thead th").Nth(8).InnerTextAsync();
        Assert.Equal(role == Roles.Viewer, subjectHeader.Length == 0);

        var users = await page.GotoAsync("/users");
        if (seesUsers)
        {
            Assert.Equal(200, users!.Status);
            foreach (var r in Roles.All)
            {
                Assert.Equal(1, await page.Locator($"#users tbody tr[data-user='{CentralSite.UserOf(r)}']").CountAsync());
            }
        }
        else
        {
            Assert.Equal(403, users!.Status);
            Assert.Contains("/denied", page.Url, StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("#users").CountAsync());
        }

        var account = await page.GotoAsync("/account");
        Assert.Equal(200, account!.Status);
        Assert.Equal(CentralSite.UserOf(role), await page.InnerTextAsync("#account-user"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Pages_WithoutSignIn_LeadToTheSignInPage()
    {
        var page = await site.NewPageAsync();

        foreach (var path in new[] { "/", "/users", "/account", "/live/rows" })
        {
            await page.GotoAsync(path);
            Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
            Assert.Equal(1, await page.Locator("#signin-form").CountAsync());
        }
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task SignIn_RepeatedWrongPasswords_LockTheAccountEvenForTheRightPassword()
    {
        site.AddUser("lockout-user", Roles.Guard);
        var page = await site.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.ClickAsync("#lang-en");

        for (var i = 1; i <= AccountService.MaxFailedSignIns; i++)
        {
            await page.FillAsync("#userName", "lockout-user");
            await page.FillAsync("#password", "wrong-password-" + i);
            await page.ClickAsync("#signin");
            var expected = i < AccountService.MaxFailedSignIns ? "Wrong user name or password." : "This account is locked";
            Assert.StartsWith(expected, await page.InnerTextAsync("#signin-error"), StringComparison.Ordinal);
        }

        await page.FillAsync("#userName", "lockout-user");
        await page.FillAsync("#password", CentralSite.Password);
        await page.ClickAsync("#signin");

        Assert.StartsWith("This account is locked", await page.InnerTextAsync("#signin-error"), StringComparison.Ordinal);
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
        await page.GotoAsync("/");
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task SignOut_AfterSignIn_EndsTheSession()
    {
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Manager));
        Assert.Equal(200, (await page.Context.APIRequest.GetAsync("/api/kiosks")).Status);

        await page.ClickAsync("#signout");
        await page.WaitForURLAsync("**/signin");

        await page.GotoAsync("/account");
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
        Assert.Equal(401, (await page.Context.APIRequest.GetAsync("/api/kiosks")).Status);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Pages_ByDefault_AreVietnameseAndEnglishAfterSwitching()
    {
        var page = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));

        Assert.Equal("vi", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Đăng xuất", await page.InnerTextAsync("#signout"));
        Assert.Equal("Quản trị", await page.InnerTextAsync("#who-role"));

        await page.ClickAsync("#lang-en");
        await page.WaitForSelectorAsync("html[lang=en]");
        Assert.Equal("Sign out", await page.InnerTextAsync("#signout"));
        Assert.Equal("Administrator", await page.InnerTextAsync("#who-role"));

        // The choice stays with the browser, on other pages too.
        await page.GotoAsync("/users");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Users", await page.InnerTextAsync("h1"));

        await page.ClickAsync("#lang-vi");
        await page.WaitForSelectorAsync("html[lang=vi]");
        Assert.Equal("Người dùng", await page.InnerTextAsync("h1"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Pages_ContentSecurityPolicy_AllowsNoInlineScriptAndThePagesNeedNone()
    {
        var page = await site.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        var signIn = await page.GotoAsync("/signin");
        AssertScriptPolicy(await signIn!.HeaderValueAsync("content-security-policy"));
        await CentralSite.SignInAsync(page, site.Url, CentralSite.UserOf(Roles.Guard), CentralSite.Password);

        foreach (var path in new[] { "/", "/account" })
        {
            var response = await page.GotoAsync(path);
            AssertScriptPolicy(await response!.HeaderValueAsync("content-security-policy"));
            Assert.Equal(0, await page.Locator("script:not([src])").CountAsync());
            Assert.Equal(0, await page.Locator("[style], [onclick], [onload], [onsubmit]").CountAsync());
        }

        // The live tail's script, loaded from central, runs under the policy: it updates the status line.
        await page.GotoAsync("/");
        await Eventually.TrueAsync(async () => (await page.InnerTextAsync("#live-status")).Length > 0, TimeSpan.FromSeconds(15), "the live tail updates");
        Assert.Empty(violations);

        // An inline script is refused by the browser.
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }");
        Assert.False(await page.EvaluateAsync<bool>("() => window.inlineRan === true"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task AccountPage_CreatedToken_WorksOnTheApiUntilRevoked()
    {
        site.AddUser("token-page-user", Roles.Health);
        var page = await site.SignInAsync("token-page-user");
        await page.GotoAsync("/account");
        await page.FillAsync("#label", "monitoring");
        await page.ClickAsync("#create-token");
        var token = (await page.InnerTextAsync("#new-token")).Trim();
        Assert.StartsWith(AccountService.TokenPrefix, token, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, await KiosksWithTokenAsync(token));

        await page.ClickAsync("#tokens button.revoke");
        await page.WaitForSelectorAsync("#tokens button.revoke", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached });
        Assert.Equal(HttpStatusCode.Unauthorized, await KiosksWithTokenAsync(token));
    }

    private async Task<HttpStatusCode> KiosksWithTokenAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/kiosks");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await site.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static void AssertScriptPolicy(string? policy)
    {
        Assert.NotNull(policy);
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var script = Assert.Single(directives, d => d.StartsWith("script-src ", StringComparison.Ordinal));
        Assert.DoesNotContain("'unsafe-inline'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-eval'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("*", script, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-inline'", policy, StringComparison.Ordinal);
    }
}
