using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Central.Tests.Web;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary><c>GET</c>, <c>POST /api/sites</c> and <c>PUT /api/sites/{id}</c> against central with one user per role.</summary>
public sealed class SiteApiTests(CentralSite site) : IClassFixture<CentralSite>
{
    private const string Body = """{"id":"ID","name":"Công ty TNHH Cơ khí Bắc Ninh","address":"Lô A2, KCN Quế Võ, Bắc Ninh","timeZone":"Asia/Ho_Chi_Minh"}""";

    [Fact(Timeout = 60_000)]
    public async Task Post_Admin_Returns201AndTheSiteIsListedAndAudited()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/sites", Roles.Admin, Body.Replace("ID", "api-add", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/sites/api-add", response.Headers.Location?.OriginalString);
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Công ty TNHH Cơ khí Bắc Ninh", created.RootElement.GetProperty("name").GetString());
        Assert.EndsWith("/d/api-add", created.RootElement.GetProperty("declarationUrl").GetString(), StringComparison.Ordinal);

        using var list = await SendAsync(HttpMethod.Get, "/api/sites", Roles.Admin);
        Assert.Contains("\"id\":\"api-add\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audit = await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(1000);
        Assert.Contains(audit, a => a.Action == "site-add" && a.Actor == CentralSite.UserOf(Roles.Admin) && a.Detail.Contains("site=api-add", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Put_Admin_Returns200AndChangesNameAddressAndTimeZoneButNotTheForm()
    {
        var form = DeclarationForm.Default with { Fields = [DeclarationFields.FullName, DeclarationFields.BirthYear], Required = [DeclarationFields.FullName] };
        Assert.True(Sites.Add(new Site("api-edit", "Old name", "Old address", Site.DefaultTimeZone, form), DateTimeOffset.UnixEpoch));

        using var response = await SendAsync(HttpMethod.Put, "/api/sites/api-edit", Roles.Admin, """{"name":"Trường THPT Lý Thái Tổ","address":"Số 1, Phường Suối Hoa, Bắc Ninh","timeZone":"Asia/Bangkok"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = Sites.Find("api-edit")!;
        Assert.Equal(("Trường THPT Lý Thái Tổ", "Số 1, Phường Suối Hoa, Bắc Ninh", "Asia/Bangkok"), (stored.Name, stored.Address, stored.TimeZone));
        Assert.Equal(form.Fields, stored.Form.Fields);
        var audit = await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(1000);
        Assert.Contains(audit, a => a.Action == "site-edit" && a.Detail == "site=api-edit changed=name,address,timeZone");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("""{"name":"A","address":"B"}""", "id")]
    [InlineData("""{"id":"Bad Id","name":"A","address":"B"}""", "id")]
    [InlineData("""{"id":"api-bad","address":"B"}""", "name")]
    [InlineData("""{"id":"api-bad","name":"   ","address":"B"}""", "name")]
    [InlineData("""{"id":"api-bad","name":42,"address":"B"}""", "name")]
    [InlineData("""{"id":"api-bad","name":"A"}""", "address")]
    [InlineData("""{"id":"api-bad","name":"A","address":"B\u0007"}""", "address")]
    [InlineData("""{"id":"api-bad","name":"A","address":"B","timeZone":"Mars/Olympus"}""", "timeZone")]
    [InlineData("""{"id":"api-bad","name":"A","address":"B","form":{}}""", "form")]
    [InlineData("""[1]""", "body")]
    [InlineData("""{"id":""", "body")]
    public async Task Post_BadField_Returns400NamingItAndAddsNothing(string body, string field)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/sites", Roles.Admin, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid", problem.RootElement.GetProperty("error").GetString());
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Null(Sites.Find("api-bad"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Post_NotJson_Returns400NamingTheBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sites") { Content = new StringContent("id=x", Encoding.UTF8, "text/plain") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(CentralSite.UserOf(Roles.Admin)).Token);

        using var response = await site.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"body\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)] // sent chunked, so its length is known only while it is read
    public async Task Post_BodyOverTheLimit_Returns400NamingTheBodyAndAddsNothing(bool withLength)
    {
        var huge = Body.Replace("ID", "api-huge", StringComparison.Ordinal).Replace("Bắc Ninh\"", "Bắc Ninh" + new string('x', 64 * 1024) + "\"", StringComparison.Ordinal);
        HttpContent content = withLength
            ? new StringContent(huge, Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sites") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(CentralSite.UserOf(Roles.Admin)).Token);
        if (!withLength)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await site.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"body\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(Sites.Find("api-huge"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Post_ExistingId_Returns409AndKeepsTheSite()
    {
        Assert.True(Sites.Add(new Site("api-taken", "First", "First address", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));

        using var response = await SendAsync(HttpMethod.Post, "/api/sites", Roles.Admin, Body.Replace("ID", "api-taken", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("\"exists\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("First", Sites.Find("api-taken")!.Name);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("/api/sites/nowhere")]
    [InlineData("/api/sites/NOT-AN-ID")]
    public async Task Put_UnknownSite_Returns404(string path)
    {
        using var response = await SendAsync(HttpMethod.Put, path, Roles.Admin, """{"name":"A","address":"B"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"not-found\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Put_AnotherIdInTheBody_Returns400NamingTheId()
    {
        Assert.True(Sites.Add(new Site("api-id-kept", "A", "B", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));

        using var response = await SendAsync(HttpMethod.Put, "/api/sites/api-id-kept", Roles.Admin, """{"id":"api-id-moved","name":"A","address":"B"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"id\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(Sites.Find("api-id-moved"));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Roles.Manager)]
    [InlineData(Roles.Guard)]
    [InlineData(Roles.Health)]
    [InlineData(Roles.Viewer)]
    public async Task PostAndPut_NotAdmin_Return403AndChangeNothing(string role)
    {
        Assert.True(Sites.Add(new Site("api-" + role, "Kept", "Kept address", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));

        using var post = await SendAsync(HttpMethod.Post, "/api/sites", role, Body.Replace("ID", "api-by-" + role, StringComparison.Ordinal));
        using var put = await SendAsync(HttpMethod.Put, "/api/sites/api-" + role, role, """{"name":"Changed","address":"Changed"}""");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (post.StatusCode, put.StatusCode));
        Assert.Null(Sites.Find("api-by-" + role));
        Assert.Equal("Kept", Sites.Find("api-" + role)!.Name);
    }

    [Fact(Timeout = 60_000)]
    public async Task PostAndPut_WithoutUser_Return401()
    {
        using var post = await site.Http.PostAsync("/api/sites", new StringContent(Body.Replace("ID", "api-anonymous", StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        using var put = await site.Http.PutAsync("/api/sites/api-anonymous", new StringContent("""{"name":"A","address":"B"}""", Encoding.UTF8, "application/json"));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (post.StatusCode, put.StatusCode));
        Assert.Null(Sites.Find("api-anonymous"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Get_ManagerOfSomeSites_ListsOnlyThose()
    {
        Assert.True(Sites.Add(new Site("api-mine", "Mine", "A", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));
        Assert.True(Sites.Add(new Site("api-theirs", "Theirs", "B", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UnixEpoch));
        Assert.True(site.Accounts.Add("api-site-manager", "Manager of one site", CentralSite.Password, Roles.Manager, ["api-mine"]).Done);

        using var mine = await SendAsync(HttpMethod.Get, "/api/sites", "api-site-manager", null, userName: true);
        using var all = await SendAsync(HttpMethod.Get, "/api/sites", Roles.Manager);

        var text = await mine.Content.ReadAsStringAsync();
        Assert.Contains("\"id\":\"api-mine\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("api-theirs", text, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"api-theirs\"", await all.Content.ReadAsStringAsync(), StringComparison.Ordinal); // sites '*'
    }

    [Fact(Timeout = 60_000)]
    public async Task PostAndPut_DeprecatedSharedToken_AllowedUntilTheFirstAccountThenForbidden()
    {
        const string token = "test-token-0123456789abcdef";
        var folder = Directory.CreateTempSubdirectory("gk-site-legacy-").FullName;
        try
        {
            await using var central = await RunningCentral.StartAsync(Path.Combine(folder, "central"), new Dictionary<string, string?>
            {
                ["Central:ApiToken"] = token,
                ["Mqtt:Host"] = "127.0.0.1",
                ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Critical",
            });

            Assert.Equal(HttpStatusCode.Created, await SendAsync(HttpMethod.Post, "/api/sites", Body.Replace("ID", "legacy-1", StringComparison.Ordinal)));

            Assert.True(central.Services.GetRequiredService<AccountService>().Add("first-admin", "First", CentralSite.Password, Roles.Admin, ["*"]).Done);

            Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, "/api/sites", Body.Replace("ID", "legacy-2", StringComparison.Ordinal)));
            Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Put, "/api/sites/legacy-1", """{"name":"Changed","address":"Changed"}"""));
            Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, "/api/sites", null));

            async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string? json)
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await central.Http.SendAsync(request);
                return response.StatusCode;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private SqliteSiteStore Sites => site.Central.Services.GetRequiredService<DeclarationService>().Sites;

    /// <summary>Sends with the personal token of <paramref name="who"/>: the user of that role, or that user name.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string who, string? json = null, bool userName = false)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(userName ? who : CentralSite.UserOf(who)).Token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await site.Http.SendAsync(request);
    }
}
