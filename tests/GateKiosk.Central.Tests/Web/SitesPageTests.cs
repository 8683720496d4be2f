using System.Text;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Declarations;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Web;

/// <summary>The Sites page in a real Chromium: admins add and edit sites and download posters; managers see their own sites only; guards none.</summary>
public sealed class SitesPageTests(CentralSite site) : IClassFixture<CentralSite>
{
    [SkippableFact(Timeout = 180_000)]
    public async Task SitesPage_AdminAddsASiteEditsItsAddressAndDownloadsThePdfPoster()
    {
        var admin = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await admin.ClickAsync("#nav-sites");
        await admin.ClickAsync("#add-site");

        // A wrong value is shown beside its field, and what was typed stays.
        await admin.FillAsync("#site-id", "bac-ninh-1");
        await admin.FillAsync("#site-name", "Công ty TNHH Cơ khí Bắc Ninh");
        await admin.FillAsync("#site-time-zone", "Mars/Olympus");
        await admin.ClickAsync("#save-site");
        Assert.Equal(1, await admin.Locator("#error-address").CountAsync());
        Assert.Equal("Công ty TNHH Cơ khí Bắc Ninh", await admin.InputValueAsync("#site-name"));
        await admin.FillAsync("#site-address", "Lô A2, KCN Quế Võ, Bắc Ninh");
        await admin.ClickAsync("#save-site");
        Assert.Equal("Múi giờ không hợp lệ; ví dụ Asia/Ho_Chi_Minh.", await admin.InnerTextAsync("#error-time-zone"));
        await admin.FillAsync("#site-time-zone", "Asia/Ho_Chi_Minh");
        await admin.ClickAsync("#save-site");

        Assert.Contains("/sites?saved=bac-ninh-1", admin.Url, StringComparison.Ordinal);
        var row = admin.Locator("#sites tr[data-site='bac-ninh-1']");
        Assert.Equal("Công ty TNHH Cơ khí Bắc Ninh", await row.Locator(".site-name").InnerTextAsync());
        Assert.Equal(site.Url + "/d/bac-ninh-1", await row.Locator(".site-url").InnerTextAsync());

        await row.Locator("a.edit-site").ClickAsync();
        Assert.Equal("Lô A2, KCN Quế Võ, Bắc Ninh", await admin.InputValueAsync("#site-address"));
        await admin.FillAsync("#site-address", "Lô B5, KCN Quế Võ, thị xã Quế Võ, Bắc Ninh");
        await admin.ClickAsync("#save-site");
        Assert.Equal("Lô B5, KCN Quế Võ, thị xã Quế Võ, Bắc Ninh", await row.Locator(".site-address").InnerTextAsync());
        Assert.Equal("Lô B5, KCN Quế Võ, thị xã Quế Võ, Bắc Ninh", Sites.Find("bac-ninh-1")!.Address);

        var download = await admin.RunAndWaitForDownloadAsync(() => row.Locator("a.poster-pdf").ClickAsync());
        Assert.Equal("poster-bac-ninh-1.pdf", download.SuggestedFilename);
        var pdf = await download.PathAsync();
        Assert.Equal("%PDF", Encoding.ASCII.GetString((await File.ReadAllBytesAsync(pdf))[..4]));
        var text = await PosterTests.RunAsync("pdftotext", "-layout", pdf, "-");
        Assert.Contains("CÔNG TY TNHH CƠ KHÍ BẮC NINH", text, StringComparison.Ordinal);
        Assert.Contains("Lô B5, KCN Quế Võ", text, StringComparison.Ordinal);

        var audit = await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(1000);
        Assert.Contains(audit, a => a.Action == "site-add" && a.Detail.StartsWith("site=bac-ninh-1 ", StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Action == "site-edit" && a.Detail == "site=bac-ninh-1 changed=address");
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task SitesPage_AddingATakenId_ShowsTheErrorAndKeepsTheSite()
    {
        Assert.True(Sites.Add(new Site("taken-in-page", "First", "First address", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));
        var admin = await site.SignInAsync(CentralSite.UserOf(Roles.Admin));
        await admin.GotoAsync("/sites/edit");
        await admin.ClickAsync("#lang-en");
        await admin.WaitForSelectorAsync("html[lang=en]");

        await admin.FillAsync("#site-id", "taken-in-page");
        await admin.FillAsync("#site-name", "Second");
        await admin.FillAsync("#site-address", "Second address");
        await admin.ClickAsync("#save-site");

        Assert.Equal("There is already a site with this id.", await admin.InnerTextAsync("#error-id"));
        Assert.Equal("First", Sites.Find("taken-in-page")!.Name);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task SitesPage_ManagerWithoutTheSite_DoesNotSeeItAndGets404ForItsPoster()
    {
        Assert.True(Sites.Add(new Site("manager-own", "Own unit", "Own address", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));
        Assert.True(Sites.Add(new Site("manager-other", "Other unit", "Other address", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));
        Assert.True(site.Accounts.Add("one-site-manager", "Manager of one site", CentralSite.Password, Roles.Manager, ["manager-own"]).Done);
        var manager = await site.SignInAsync("one-site-manager");

        await manager.ClickAsync("#nav-sites");

        Assert.Equal(1, await manager.Locator("#sites tr[data-site='manager-own']").CountAsync());
        Assert.Equal(0, await manager.Locator("#sites tr[data-site='manager-other']").CountAsync());
        Assert.Equal(0, await manager.Locator("#add-site, a.edit-site").CountAsync());
        var own = await manager.Context.APIRequest.GetAsync("/sites?handler=Poster&id=manager-own&format=png");
        Assert.Equal((200, "image/png"), (own.Status, own.Headers["content-type"]));
        foreach (var format in new[] { "pdf", "svg", "png" })
        {
            Assert.Equal(404, (await manager.Context.APIRequest.GetAsync($"/sites?handler=Poster&id=manager-other&format={format}")).Status);
        }

        Assert.Equal(403, (await manager.GotoAsync("/sites/edit/manager-own"))!.Status);
        Assert.Equal(403, (await manager.GotoAsync("/sites/edit"))!.Status);
    }

    [SkippableTheory(Timeout = 120_000)]
    [InlineData(Roles.Guard)]
    [InlineData(Roles.Health)]
    [InlineData(Roles.Viewer)]
    public async Task SitesPage_OtherRoles_HaveNoSitesPageAndNoPoster(string role)
    {
        Assert.True(Sites.Add(new Site("seen-by-" + role, "Unit", "Address", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));
        var page = await site.SignInAsync(CentralSite.UserOf(role));

        Assert.Equal(0, await page.Locator("#nav-sites").CountAsync());
        Assert.Equal(403, (await page.GotoAsync("/sites"))!.Status);
        Assert.Equal(0, await page.Locator("#sites").CountAsync());
        Assert.Equal(403, (await page.Context.APIRequest.GetAsync($"/sites?handler=Poster&id=seen-by-{role}&format=pdf")).Status);
    }

    private SqliteSiteStore Sites => site.Central.Services.GetRequiredService<DeclarationService>().Sites;
}
