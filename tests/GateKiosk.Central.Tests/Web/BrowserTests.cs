using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
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

    [SkippableFact(Timeout = 120_000)]
    public async Task LivePage_StoredEntry_ShowsItsSubjectToAGuardButNotToAViewer()
    {
        var journal = new FakeEntryJournal();
        var published = journal.Append(new EventDraft
        {
            Type = EventTypes.Entry,
            OccurredAt = DateTimeOffset.UnixEpoch.AddDays(20_000),
            TimeSource = TimeSources.Ntp,
            Decision = Decisions.Allow,
            Reason = ReasonCodes.Valid,
            Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", "E7777"),
        });
        var entry = JsonSerializer.Deserialize(published.Payload.Span, ContractsJsonContext.Default.EntryEvent)!;
        await site.Central.Services.GetRequiredService<IIngestWriter>().StoreAsync([(entry, published.Payload)]);

        var guard = await site.SignInAsync(CentralSite.UserOf(Roles.Guard));
        var viewer = await site.SignInAsync(CentralSite.UserOf(Roles.Viewer));

        var row = $"#events tr[data-event-id='{entry.EventId}'] td";
        Assert.Equal("E7777", await guard.Locator(row).Nth(8).InnerTextAsync());
        Assert.Equal("allow", await viewer.Locator(row).Nth(5).InnerTextAsync());
        Assert.Equal("", await viewer.Locator(row).Nth(8).InnerTextAsync());
        Assert.DoesNotContain("E7777", await viewer.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("E7777", await (await viewer.Context.APIRequest.GetAsync("/live/rows")).TextAsync(), StringComparison.Ordinal);
        Assert.Contains("E7777", await (await guard.Context.APIRequest.GetAsync("/live/rows")).TextAsync(), StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Session_UserDisabledOrRoleChanged_EndsAtTheNextRequest()
    {
        site.AddUser("session-user-1", Roles.Admin);
        site.AddUser("session-user-2", Roles.Admin);
        var disabled = await site.SignInAsync("session-user-1");
        var demoted = await site.SignInAsync("session-user-2");

        Assert.True(site.Accounts.SetDisabled("session-user-1", true).Done);
        Assert.True(site.Accounts.SetRole("session-user-2", Roles.Viewer).Done);

        await disabled.GotoAsync("/account");
        Assert.Contains("/signin", disabled.Url, StringComparison.Ordinal);
        await demoted.GotoAsync("/users");
        Assert.Contains("/signin", demoted.Url, StringComparison.Ordinal);

        // Signed in again, the demoted user has the new role's rights only.
        await CentralSite.SignInAsync(demoted, site.Url, "session-user-2", CentralSite.Password);
        Assert.Equal(403, (await demoted.GotoAsync("/users"))!.Status);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task UsersPage_AdminAddsAUser_WhoCanThenSignIn()
    {
        var admin = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await admin.GotoAsync("/users");
        await admin.FillAsync("#newUserName", "added-in-page");
        await admin.FillAsync("#newDisplayName", "Nguyễn Văn A");
        await admin.SelectOptionAsync("#newRole", Roles.Guard);
        await admin.FillAsync("#newSites", "site-a, site-b");
        await admin.FillAsync("#newPassword", "a-good-new-password");
        await admin.ClickAsync("#add-user");

        Assert.Equal("allow", await admin.GetAttributeAsync("#add-user-result", "class"));
        Assert.Equal(1, await admin.Locator("#users tr[data-user='added-in-page']").CountAsync());
        var account = site.Accounts.Store.Find("added-in-page")!;
        Assert.Equal((Roles.Guard, "Nguyễn Văn A"), (account.Role, account.DisplayName));
        Assert.Equal(["site-a", "site-b"], account.Sites);

        var page = await site.SignInAsync("added-in-page", "a-good-new-password");
        Assert.Equal("Nguyễn Văn A", await page.InnerTextAsync("#who-name"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task UsersPage_AdminChangesRoleDisablesAndResetsPassword_TheUserFeelsEach()
    {
        site.AddUser("managed-user", Roles.Viewer);
        var admin = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await admin.GotoAsync("/users");
        var row = admin.Locator("#users tr[data-user='managed-user']");

        await row.Locator("select[name=role]").SelectOptionAsync(Roles.Manager);
        await row.Locator("button.set-role").ClickAsync();
        Assert.Equal("allow", await admin.GetAttributeAsync("#change-result", "class"));
        Assert.Equal(Roles.Manager, site.Accounts.Store.Find("managed-user")!.Role);

        await row.Locator("input[name=password]").FillAsync("reset-by-admin-1");
        await row.Locator("button.reset-password").ClickAsync();
        Assert.Equal("allow", await admin.GetAttributeAsync("#change-result", "class"));
        var user = await site.SignInAsync("managed-user", "reset-by-admin-1");
        Assert.Equal(200, (await user.Context.APIRequest.GetAsync("/api/events")).Status);

        await row.Locator("button.toggle-disabled").ClickAsync();
        Assert.True(site.Accounts.Store.Find("managed-user")!.Disabled);
        Assert.Equal(401, (await user.Context.APIRequest.GetAsync("/api/events")).Status);

        // The admin cannot demote or disable themselves here.
        var self = admin.Locator($"#users tr[data-user='{CentralSite.UserOf(Roles.Admin)}']");
        await self.Locator("button.toggle-disabled").ClickAsync();
        Assert.Equal("error", await admin.GetAttributeAsync("#change-result", "class"));
        Assert.False(site.Accounts.Store.Find(CentralSite.UserOf(Roles.Admin))!.Disabled);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("/signin")]
    [InlineData("/signout")]
    [InlineData("/language")]
    [InlineData("/users")]
    [InlineData("/users?handler=Role")]
    [InlineData("/users?handler=Disabled")]
    [InlineData("/account?handler=Create")]
    [InlineData("/people")]
    [InlineData("/people?handler=Remove")]
    [InlineData("/people?handler=Import")]
    [InlineData("/muster?handler=Safe&site=site-1")]
    [InlineData("/sites/edit")]
    public async Task Forms_PostedWithoutAntiforgeryToken_AreRefused(string path)
    {
        // Signed in as admin over plain HTTP (the cookie taken from a real sign-in), but without the form's token.
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = site.Http.BaseAddress };
        var form = await http.GetStringAsync("/signin");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__antiforgery\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var signIn = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = CentralSite.UserOf(Roles.Admin),
            ["password"] = CentralSite.Password,
            ["__antiforgery"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        using var response = await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = "forged-user",
            ["password"] = "forged-password-1",
            ["role"] = Roles.Admin,
            ["culture"] = "en",
            ["label"] = "forged",
            ["NewId"] = "forged-site",
            ["Name"] = "Forged",
            ["Address"] = "Forged",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(site.Accounts.Store.Find("forged-user"));
        Assert.Null(site.Central.Services.GetRequiredService<GateKiosk.Central.Declarations.DeclarationService>().Sites.Find("forged-site"));
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
