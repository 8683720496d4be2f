using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Web;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary><c>GET /api/trace</c> on a running central: who may call it, its exact JSON, its validation and its audit.</summary>
public sealed class TraceApiTests(CentralSite site) : IClassFixture<CentralSite>
{
    private const string WholeDay = "/api/trace?kind=badge&subject=A&from=2026-11-27T00:00:00Z&to=2026-11-27T23:00:00Z";

    private static readonly ConditionalWeakTable<CentralSite, Task> Seeded = [];

    private Task SeedAsync() => Seeded.GetValue(site, s => TraceScenario.Build().StoreAsync(s.Central.Services.GetRequiredService<ICentralStore>()));

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? role)
    {
        await SeedAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(CentralSite.UserOf(role)).Token);
        }

        using var response = await site.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task GetTrace_WithoutUser_Returns401() =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(WholeDay, null)).Status);

    [Theory(Timeout = 60_000)]
    [InlineData(Roles.Manager)]
    [InlineData(Roles.Guard)]
    [InlineData(Roles.Viewer)]
    public async Task GetTrace_RoleOtherThanHealthOrAdmin_Returns403(string role)
    {
        var (status, body) = await GetAsync(WholeDay, role);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("\"stays\"", body, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Roles.Health)]
    [InlineData(Roles.Admin)]
    public async Task GetTrace_HealthOrAdmin_ReturnsStaysAndContactsExactlySortedBySiteTimeSubject(string role)
    {
        var (status, body) = await GetAsync(WholeDay, role);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            """
            {"stays":[
            {"site":"site-1","from":"2026-11-27T01:00:00.000Z","to":"2026-11-27T03:00:00.000Z","doors":["door-in","door-out"]},
            {"site":"site-2","from":"2026-11-27T05:00:00.000Z","to":"2026-11-27T06:00:00.000Z","doors":["gate"]},
            {"site":"site-1","from":"2026-11-27T16:00:00.000Z","to":"2026-11-27T18:00:00.000Z","doors":["door-in","door-out"]}],
            "contacts":[
            {"kind":"visitor-pass","subject":"A","site":"site-1","from":"2026-11-27T01:00:00.000Z","to":"2026-11-27T03:00:00.000Z","overlapMinutes":120},
            {"kind":"badge","subject":"E","site":"site-1","from":"2026-11-27T01:00:00.000Z","to":"2026-11-27T03:00:00.000Z","overlapMinutes":120},
            {"kind":"badge","subject":"G","site":"site-1","from":"2026-11-27T01:10:00.000Z","to":"2026-11-27T03:00:00.000Z","overlapMinutes":110},
            {"kind":"badge","subject":"B","site":"site-1","from":"2026-11-27T02:00:00.000Z","to":"2026-11-27T02:30:00.000Z","overlapMinutes":30,"timeSourceNone":true},
            {"kind":"badge","subject":"C","site":"site-1","from":"2026-11-27T02:45:00.000Z","to":"2026-11-27T03:00:00.000Z","overlapMinutes":15},
            {"kind":"badge","subject":"I","site":"site-1","from":"2026-11-27T16:30:00.000Z","to":"2026-11-27T17:30:00.000Z","overlapMinutes":60},
            {"kind":"badge","subject":"J","site":"site-1","from":"2026-11-27T17:10:00.000Z","to":"2026-11-27T18:00:00.000Z","overlapMinutes":50},
            {"kind":"badge","subject":"K","site":"site-2","from":"2026-11-27T05:30:00.000Z","to":"2026-11-27T06:00:00.000Z","overlapMinutes":30}]}
            """.ReplaceLineEndings(""),
            body);
    }

    [Fact(Timeout = 60_000)]
    public async Task GetTrace_Call_AuditedWithUserAndSubjectHashNotSubject()
    {
        var path = "/api/trace?kind=badge&subject=audit-subject-7&from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z";

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(path, Roles.Health)).Status);

        var audit = await site.Central.Services.GetRequiredService<IAuditLog>().GetAuditAsync(1000);
        var record = Assert.Single(audit, r => r.Detail.Contains("subject#=" + GateKiosk.Central.Api.TraceEndpoints.SubjectHash("badge", "audit-subject-7"), StringComparison.Ordinal));
        Assert.Equal(("health-user", "trace"), (record.Actor, record.Action));
        Assert.Contains("stays=0 contacts=0", record.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(audit, r => r.Detail.Contains("audit-subject-7", StringComparison.Ordinal));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("/api/trace?subject=A&from=2026-11-27T00:00:00Z&to=2026-11-27T23:00:00Z", "'kind'")]
    [InlineData("/api/trace?kind=Badge!&subject=A&from=2026-11-27T00:00:00Z&to=2026-11-27T23:00:00Z", "'kind'")]
    [InlineData("/api/trace?kind=badge&from=2026-11-27T00:00:00Z&to=2026-11-27T23:00:00Z", "'subject'")]
    [InlineData("/api/trace?kind=badge&subject=A&from=yesterday&to=2026-11-27T23:00:00Z", "'from'")]
    [InlineData("/api/trace?kind=badge&subject=A&from=2026-11-27T00:00:00Z", "'to'")]
    [InlineData("/api/trace?kind=badge&subject=A&from=2026-11-27T00:00:00Z&to=2026-11-26T23:00:00Z", "'to'")]
    [InlineData("/api/trace?kind=badge&subject=A&from=2026-09-01T00:00:00Z&to=2026-11-27T23:00:00Z", "60 days")]
    [InlineData("/api/trace?kind=badge&subject=A&from=2026-11-27T00:00:00Z&to=2026-11-27T23:00:00Z&depth=5", "'depth'")]
    public async Task GetTrace_BadParameter_Returns400NamingIt(string path, string named)
    {
        var (status, body) = await GetAsync(path, Roles.Health);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        Assert.Contains(named, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
