using System.Net;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Declarations;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary><c>POST /api/public/declarations/{site}</c>: a same-day pass for good answers, 400 naming the field, 404, 413, 429.</summary>
public sealed class DeclarationApiTests
{
    [Fact(Timeout = 120_000)]
    public async Task Post_ClearAnswers_ReturnsClearPassValidUntilTheSitesMidnight()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");

        var reply = await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());

        Assert.StartsWith(PassPrefixes.HealthDeclaration, reply.Pass, StringComparison.Ordinal);
        Assert.Equal(HealthStatuses.Clear, reply.Status);
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.FromHours(7)), reply.ValidUntil);
        Assert.Equal(TimeSpan.FromHours(7), reply.ValidUntil.Offset);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("symptoms", "[\"fever\"]")]
    [InlineData("contact", "true")]
    public async Task Post_SymptomOrContact_ReturnsRefer(string field, string json)
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        var answers = DeclaringCentral.ClearAnswers();
        answers[field] = JsonSerializer.Deserialize<JsonElement>(json);

        Assert.Equal(HealthStatuses.Refer, (await central.DeclareAsync("que-vo", answers)).Status);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_SamePersonTwiceWithOrWithoutSpacesInId_GetsTheSameSubjectAndNoNameInThePass()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        var spaced = DeclaringCentral.ClearAnswers();
        spaced["idNumber"] = "001 099 012 345";

        var first = await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());
        var second = await central.DeclareAsync("que-vo", spaced);

        var stored = central.Sites.Declarations("que-vo", DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), long.MaxValue, 10);
        Assert.Equal(2, stored.Count);
        Assert.Equal(stored[0].Subject, stored[1].Subject);
        Assert.Matches("^hd-[0-9a-f]{32}$", stored[0].Subject);
        Assert.NotEqual(first.Pass, second.Pass);
        Assert.DoesNotContain("001099012345", stored[0].Subject, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("birthYear", "\"1990\"")]
    [InlineData("birthYear", "1850")]
    [InlineData("sex", "\"other\"")]
    [InlineData("symptoms", "[\"sneezing\"]")]
    [InlineData("symptoms", "\"fever\"")]
    [InlineData("contact", "\"no\"")]
    [InlineData("idNumber", "\"12-34\"")]
    [InlineData("category", "\"alien\"")]
    [InlineData("fullName", "null")]
    [InlineData("nickname", "\"An\"")]
    public async Task Post_BadField_Returns400NamingTheField(string field, string json)
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        var answers = DeclaringCentral.ClearAnswers();
        answers[field] = JsonSerializer.Deserialize<JsonElement>(json);

        using var response = await central.PostAsync("que-vo", answers);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Empty(central.Sites.Declarations(null, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), long.MaxValue, 10));
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_FieldTheSiteDoesNotAskOrRequiredMissing_Returns400NamingIt()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("no-travel", form: new DeclarationForm
        {
            Fields = ["fullName", "idNumber", "birthYear", "sex", "symptoms", "contact"],
            Required = ["fullName", "idNumber", "birthYear", "sex", "contact"],
        });
        var withTravel = DeclaringCentral.ClearAnswers();
        withTravel.Remove("category");
        withTravel["travel"] = "Hà Nội";
        var withoutId = DeclaringCentral.ClearAnswers();
        withoutId.Remove("category");
        withoutId.Remove("travel");
        withoutId.Remove("idNumber");

        using var travel = await central.PostAsync("no-travel", withTravel);
        using var missing = await central.PostAsync("no-travel", withoutId);

        Assert.Equal(HttpStatusCode.BadRequest, travel.StatusCode);
        Assert.Contains("\"field\":\"travel\"", await travel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("\"field\":\"idNumber\"", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_UnknownOrMalformedSite_Returns404()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");

        using var unknown = await central.PostAsync("yen-phong", DeclaringCentral.ClearAnswers());
        using var malformed = await central.PostAsync("Que.Vo", DeclaringCentral.ClearAnswers());

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_BodyOverTheLimit_Returns413WithoutStoring()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        var big = "{\"travel\":\"" + new string('a', DeclarationEndpoints.MaxBodyBytes) + "\"}";

        using var response = await central.Http.PostAsync("/api/public/declarations/que-vo", new StringContent(big, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(central.Sites.Declarations(null, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), long.MaxValue, 10));
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_MoreThanTheLimitFromOneAddress_Returns429()
    {
        await using var central = await DeclaringCentral.StartAsync(submissionsPerMinute: 3);
        central.AddSite("que-vo");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await central.PostAsync("que-vo", DeclaringCentral.ClearAnswers());
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact(Timeout = 120_000)]
    public async Task GetDeclarations_OpenLoopbackCentral_ReturnsTheAnswersNewestFirst()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());
        var second = DeclaringCentral.ClearAnswers();
        second["fullName"] = "Trần Thị Bích";
        second["idNumber"] = "";
        second["sex"] = "female";
        await central.DeclareAsync("que-vo", second);

        using var page = JsonDocument.Parse(await central.Http.GetStringAsync("/api/declarations?site=que-vo&limit=1"));
        var items = page.RootElement.GetProperty("items");

        Assert.Equal(1, items.GetArrayLength());
        Assert.Equal("Trần Thị Bích", items[0].GetProperty("answers").GetProperty("fullName").GetString());
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("answers").GetProperty("idNumber").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, page.RootElement.GetProperty("nextCursor").ValueKind);
    }

    [Fact(Timeout = 120_000)]
    public async Task Post_MoreThanThirtyDaysLater_DeletesTheOldAnswers()
    {
        await using var central = await DeclaringCentral.StartAsync();
        central.AddSite("que-vo");
        await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());
        central.Clock.Advance(TimeSpan.FromDays(29));
        await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());
        central.Clock.Advance(TimeSpan.FromDays(2));

        await central.DeclareAsync("que-vo", DeclaringCentral.ClearAnswers());

        var kept = central.Sites.Declarations(null, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), long.MaxValue, 10);
        Assert.Equal([DeclaringCentral.Morning.AddDays(31), DeclaringCentral.Morning.AddDays(29)], kept.Select(d => d.SubmittedAt));
    }
}
