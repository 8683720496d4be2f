using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Web;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary><c>GET /api/reports/daily</c> on a running central: its JSON, its CSV (formulas neutralised) and its validation.</summary>
public sealed class DailyReportApiTests(CentralSite site) : IClassFixture<CentralSite>
{
    private static readonly ConditionalWeakTable<CentralSite, Task> Seeded = [];

    private Task SeedAsync() => Seeded.GetValue(site, s =>
    {
        // Local day 2026-11-27 in Asia/Ho_Chi_Minh runs 2026-11-26T17:00Z – 2026-11-27T17:00Z.
        var day = new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero);
        var gates = new Gates()
            .Scan("site-9", "k1", "P1", "in", day.AddHours(1))
            .Scan("site-9", "k1", "P1", "in", day.AddHours(2))
            .Scan("site-9", "k2", "P2", "in", day.AddHours(3), kind: "visitor-pass")
            .Scan("site-9", "k2", "P2", "out", day.AddHours(4), kind: "visitor-pass")
            .Scan("site-9", "k1", "P3", "in", day.AddHours(5), allow: false, reason: "=1+2")
            .Scan("site-9", "k1", "P3", "out", day.AddHours(6), allow: false, reason: "expired")
            .Scan("site-9", "k1", "P4", "in", day.AddHours(-1))
            .Scan("site-9", "k1", "P4", "in", day.AddHours(24));
        return gates.StoreAsync(s.Central.Services.GetRequiredService<ICentralStore>());
    });

    private async Task<(HttpStatusCode Status, string Body, string? Type)> GetAsync(string path)
    {
        await SeedAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(CentralSite.UserOf(Roles.Manager)).Token);
        using var response = await site.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    [Fact(Timeout = 60_000)]
    public async Task GetDaily_Json_CountsOfTheSitesLocalDay()
    {
        var (status, body, _) = await GetAsync("/api/reports/daily?site=site-9&date=2026-11-27");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            """
            {"site":"site-9","date":"2026-11-27","timeZone":"Asia/Ho_Chi_Minh","from":"2026-11-26T17:00:00.000Z","to":"2026-11-27T17:00:00.000Z",
            "entriesAllowed":3,"entriesDenied":{"total":2,"byReason":{"=1\u002B2":1,"expired":1}},"distinctPeople":2,
            "declarations":{"clear":0,"refer":0},"webCheckins":0,
            "kiosks":[{"kiosk":"k1","events":4,"hoursOnline":null,"offlinePeriods":null},{"kiosk":"k2","events":2,"hoursOnline":null,"offlinePeriods":null}],
            "firstEntry":"2026-11-26T18:00:00.000Z","lastEntry":"2026-11-26T20:00:00.000Z"}
            """.ReplaceLineEndings(""),
            body);
    }

    [Fact(Timeout = 60_000)]
    public async Task GetDaily_Csv_OneLinePerCountWithFormulasNeutralised()
    {
        var (status, body, type) = await GetAsync("/api/reports/daily?site=site-9&date=2026-11-27&format=csv");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/csv", type);
        var lines = body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("site,date,metric,key,value", lines[0]);
        Assert.Contains("site-9,2026-11-27,entriesAllowed,,3", lines);
        Assert.Contains("site-9,2026-11-27,entriesDenied,'=1+2,1", lines);
        Assert.Contains("site-9,2026-11-27,distinctPeople,,2", lines);
        Assert.Contains("site-9,2026-11-27,kioskEvents,k2,2", lines);
        Assert.DoesNotContain(lines, l => l.Split(',').Any(cell => cell.StartsWith('=')));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("/api/reports/daily?date=2026-11-27", "'site'")]
    [InlineData("/api/reports/daily?site=site-9&date=27/11/2026", "'date'")]
    [InlineData("/api/reports/daily?site=site-9&date=2026-11-27&format=xlsx", "'format'")]
    public async Task GetDaily_BadParameter_Returns400NamingIt(string path, string named)
    {
        var (status, body, _) = await GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        Assert.Contains(named, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=SUM(A1)", "'=SUM(A1)")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@x", "'@x")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("=\"x\"", "\"'=\"\"x\"\"\"")]
    [InlineData("valid", "valid")]
    public void CsvCell_FormulaOrSeparator_Neutralised(string value, string expected) =>
        Assert.Equal(expected, GateKiosk.Central.Api.Csv.Cell(value));
}
