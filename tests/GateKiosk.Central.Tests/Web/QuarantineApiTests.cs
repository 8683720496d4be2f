using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.Collecting;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.Web;

/// <summary>An admin can read what central set aside: the reason, the size, the hash and the first bytes of each message.</summary>
public sealed class QuarantineApiTests(CentralSite site) : IClassFixture<CentralSite>
{
    [Fact(Timeout = 60_000)]
    public async Task Quarantine_AdminToken_ListsTheNewestRejectedMessageWithItsReasonAndFirstBytes()
    {
        var payload = Encoding.UTF8.GetBytes("{\"seq\":\"not-a-number\",\"note\":\"" + new string('x', 2000) + "\"}");
        var collector = site.Central.Services.GetRequiredService<MqttEventCollector>();
        var result = await collector.IngestAsync("gatekiosk/v1/site-q/kiosk-q/events", new ReadOnlySequence<byte>(payload));
        Assert.Equal(IngestOutcome.Rejected, result.Outcome);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/quarantine?limit=5");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(CentralSite.UserOf(Roles.Admin)).Token);
        using var response = await site.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = (await response.Content.ReadFromJsonAsync<QuarantinePage>(JsonSerializerOptions.Web))!;
        Assert.True(page.RejectedTotal >= 1);
        var item = page.Items[0];
        Assert.Equal(("gatekiosk/v1/site-q/kiosk-q/events", "site-q", "kiosk-q", (long)payload.Length), (item.Topic, item.SiteId, item.KioskId, item.Size));
        Assert.Equal(result.Reason, item.Reason);
        Assert.Equal(payload.AsSpan(0, 1024).ToArray(), Convert.FromBase64String(item.PrefixBase64));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)), item.Sha256);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("ten")]
    public async Task Quarantine_LimitOutOfRange_Returns400NamingIt(string limit)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/quarantine?limit=" + limit);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.TokenOf(CentralSite.UserOf(Roles.Admin)).Token);
        using var response = await site.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("'limit'", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
