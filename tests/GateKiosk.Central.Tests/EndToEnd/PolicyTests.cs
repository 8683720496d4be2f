using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using GateKiosk.Central.Policy;
using GateKiosk.Contracts;
using GateKiosk.Core.Policy;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>
/// Central's policy reaching real kiosk processes through a real Mosquitto: people added and removed through the API,
/// a kiosk that was away while versions went by, and bundles that must change nothing.
/// </summary>
public sealed class PolicyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string HashKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-policy-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task BadgeAddedThroughApi_AdmitsWithinFiveSeconds_RemovedDeniesWithinFiveSeconds()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        await using var central = await StartCentralAsync(broker);

        // The site exists with someone else, so the kiosk runs on central's policy from the start.
        var other = await AddPersonAsync(central, "E-1", "Trần Văn Khác", "OTHER1");
        await using var kiosk = await PolicyKioskProcess.StartAsync(_folder, broker.Port, PolicyKeyFile(central), HashKey);
        await Eventually.TrueAsync(() => kiosk.SystemDetails("policy-applied").Count > 0, TimeSpan.FromSeconds(60), "the kiosk applies the site's first policy");
        var before = await kiosk.ScanAndReadAsync("B7001");
        Assert.Equal(("deny", ReasonCodes.NotEnrolled), (before.Decision, before.Reason));

        var added = DateTime.UtcNow;
        var id = await AddPersonAsync(central, "E-7", "Nguyễn Thị Mới", "B7001");
        var (admitTook, allow) = await kiosk.ScanUntilAsync("B7001", "allow", TimeSpan.FromSeconds(5), added);

        var removed = DateTime.UtcNow;
        using (var delete = await central.Http.DeleteAsync($"/api/people/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var (denyTook, deny) = await kiosk.ScanUntilAsync("B7001", "deny", TimeSpan.FromSeconds(5), removed);
        output.WriteLine($"kiosk: {KioskExecutable.Description}; admitted {admitTook.TotalMilliseconds:F0} ms after the POST (policy {allow.PolicyVersion}), denied {denyTook.TotalMilliseconds:F0} ms after the DELETE (policy {deny.PolicyVersion})");

        Assert.Equal(BadgeIssuer, allow.Issuer);
        Assert.True(allow.PolicyVersion > before.PolicyVersion);
        Assert.Equal(ReasonCodes.NotEnrolled, deny.Reason);
        Assert.True(deny.PolicyVersion > allow.PolicyVersion);
        Assert.False(kiosk.HasExited, "the kiosk was not restarted");
        Assert.Equal("allow", (await kiosk.ScanAndReadAsync("OTHER1")).Decision);
        Assert.True(other > 0);
        await central.StopAsync();
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task KioskOfflineWhileThreeVersionsPublished_OnReconnect_AppliesTheNewest()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        await using var central = await StartCentralAsync(broker);
        await AddPersonAsync(central, "E-1", "Người Một", "A0001");
        var published = central.Services.GetRequiredService<PublishedPolicyStore>();
        long SiteVersion() => published.List().SingleOrDefault(p => p.SiteId == "site-1")?.Version ?? 0;
        await Eventually.TrueAsync(() => SiteVersion() == 1, TimeSpan.FromSeconds(10), "version 1 is published");

        var kiosk = await PolicyKioskProcess.StartAsync(_folder, broker.Port, PolicyKeyFile(central), HashKey);
        await Eventually.TrueAsync(() => kiosk.SystemDetails("policy-applied version=1").Count == 1, TimeSpan.FromSeconds(60), "the kiosk applies version 1");
        await kiosk.KillAsync();

        // Three versions while the kiosk is away, each published before the next change.
        string[] badges = ["A0002", "A0003", "A0004"];
        for (var i = 0; i < badges.Length; i++)
        {
            await AddPersonAsync(central, $"E-{i + 2}", $"Người {i + 2}", badges[i]);
            var expected = i + 2;
            await Eventually.TrueAsync(() => SiteVersion() == expected, TimeSpan.FromSeconds(10), $"version {expected} is published");
        }

        await kiosk.DisposeAsync();
        await using var back = await PolicyKioskProcess.StartAsync(_folder, broker.Port, PolicyKeyFile(central), HashKey);
        var entry = await back.ScanAndReadAsync("A0001");
        output.WriteLine($"first scan after the restart: {entry.Decision} under policy {entry.PolicyVersion}");
        Assert.True(entry.PolicyVersion >= 1, "the stored bundle is in force from the first scan after the restart");
        await Eventually.TrueAsync(() => back.SystemDetails("policy-applied version=4").Count == 1, TimeSpan.FromSeconds(60), "the kiosk applies version 4");
        var newest = await back.ScanAndReadAsync("A0004");
        Assert.Equal(("allow", 4L), (newest.Decision, newest.PolicyVersion));

        // Whatever order the broker delivered the queued versions and the retained one in, nothing went back below 4.
        var applied = back.SystemDetails("policy-applied").Select(d => long.Parse(d.Split(' ')[1]["version=".Length..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(applied.Order(), applied);
        Assert.Equal(4, applied[^1]);
        await central.StopAsync();
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task BundleOfOtherKeyLowerVersionOrOtherSite_IgnoredAndLogged_KioskKeepsItsVersion()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        using var policyKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = Path.Combine(_folder, "policy.pub.pem");
        await File.WriteAllTextAsync(keyFile, policyKey.ExportSubjectPublicKeyInfoPem());
        var hashKey = Convert.FromBase64String(HashKey);

        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("test-central").Build());
        await PublishAsync(mqtt, "site-1", Bundle("site-1", 5, hashKey, "GOOD1"), policyKey);

        await using var kiosk = await PolicyKioskProcess.StartAsync(_folder, broker.Port, keyFile, HashKey);
        await Eventually.TrueAsync(() => kiosk.SystemDetails("policy-applied version=5").Count == 1, TimeSpan.FromSeconds(60), "the kiosk applies version 5");

        // Each of these would admit FORGED1 if it were applied.
        await PublishAsync(mqtt, "site-1", Bundle("site-1", 6, hashKey, "FORGED1"), otherKey);
        await PublishAsync(mqtt, "site-1", Bundle("site-1", 4, hashKey, "FORGED1"), policyKey);
        await PublishAsync(mqtt, "site-1", Bundle("site-2", 7, hashKey, "FORGED1"), policyKey);
        await PublishAsync(mqtt, "site-1", Bundle("site-1", 5, hashKey, "FORGED1"), policyKey);
        string[] expected =
        [
            $"reason={PolicyRejections.BadSignature} version=0 applied=5",
            $"reason={PolicyRejections.NotNewer} version=4 applied=5",
            $"reason={PolicyRejections.WrongSite} version=7 applied=5",
            $"reason={PolicyRejections.NotNewer} version=5 applied=5",
        ];
        await Eventually.TrueAsync(() => kiosk.SystemDetails("policy-rejected").Count == expected.Length, TimeSpan.FromSeconds(30), "the kiosk journals four rejections");

        Assert.Equal(expected.Select(e => "policy-rejected " + e), kiosk.SystemDetails("policy-rejected"));
        foreach (var reason in new[] { PolicyRejections.BadSignature, PolicyRejections.NotNewer, PolicyRejections.WrongSite })
        {
            Assert.Contains(kiosk.Log, line => line.Contains($"Policy bundle rejected ({reason})", StringComparison.Ordinal));
        }

        var forged = await kiosk.ScanAndReadAsync("FORGED1");
        Assert.Equal(("deny", ReasonCodes.NotEnrolled, 5L), (forged.Decision, forged.Reason, forged.PolicyVersion));
        var good = await kiosk.ScanAndReadAsync("GOOD1");
        Assert.Equal(("allow", 5L), (good.Decision, good.PolicyVersion));
        Assert.Single(kiosk.SystemDetails("policy-applied"));
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task DoorCommandsThroughApi_LockdownDeniesReleaseRestores_OpenOnceJournaledWithTheSender()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        await using var central = await StartCentralAsync(broker);
        await AddPersonAsync(central, "E-1", "Người Một", "C0001");
        await using var kiosk = await PolicyKioskProcess.StartAsync(_folder, broker.Port, PolicyKeyFile(central), HashKey);
        await Eventually.TrueAsync(() => kiosk.SystemDetails("policy-applied").Count > 0, TimeSpan.FromSeconds(60), "the kiosk applies the policy");
        Assert.Equal("allow", (await kiosk.ScanAndReadAsync("C0001")).Decision);

        async Task SendAsync(string type)
        {
            using var response = await central.Http.PostAsJsonAsync("/api/kiosks/site-1/gate-1/commands", new Dictionary<string, string> { ["type"] = type });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await SendAsync(CommandTypes.Lockdown);
        await Eventually.TrueAsync(() => kiosk.SystemDetails("command-done").Any(d => d.Contains("type=lockdown by=manager-1", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the kiosk locks down");
        var locked = await kiosk.ScanAndReadAsync("C0001");
        await SendAsync(CommandTypes.ReleaseLockdown);
        await Eventually.TrueAsync(() => kiosk.SystemDetails("command-done").Any(d => d.Contains("type=release-lockdown", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the kiosk ends the lockdown");
        var released = await kiosk.ScanAndReadAsync("C0001");
        await SendAsync(CommandTypes.OpenOnce);
        await Eventually.TrueAsync(() => kiosk.Entries(0).Any(e => e.Reason == ReasonCodes.RemoteOpen), TimeSpan.FromSeconds(20), "the kiosk opens once");

        Assert.Equal(("deny", ReasonCodes.Lockdown), (locked.Decision, locked.Reason));
        Assert.Equal(("allow", ReasonCodes.Valid), (released.Decision, released.Reason));
        var opened = Assert.Single(kiosk.Entries(0), e => e.Reason == ReasonCodes.RemoteOpen);
        Assert.Equal(("entry", "allow"), (opened.Type, opened.Decision));
        Assert.Contains("type=open-once by=manager-1", opened.Detail, StringComparison.Ordinal);
        Assert.Empty(kiosk.SystemDetails("command-rejected"));
        await central.StopAsync();
    }

    private const string BadgeIssuer = "policy";

    private static PolicyBundle Bundle(string site, long version, byte[] hashKey, string badge) => new()
    {
        SiteId = site,
        Version = version,
        IssuedAt = DateTimeOffset.UtcNow,
        BadgeHashes = BadgeHash.Of(hashKey, badge),
        BadgeSchedules = [0],
    };

    private static async Task PublishAsync(IMqttClient mqtt, string topicSite, PolicyBundle bundle, ECDsa key)
    {
        var result = await mqtt.PublishAsync(new MqttApplicationMessage
        {
            Topic = Topics.Policy(topicSite),
            Payload = new ReadOnlySequence<byte>(PolicySigner.Sign(bundle, key)),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Retain = true,
        });
        Assert.True(result.IsSuccess);
    }

    /// <summary>Central on <paramref name="broker"/>, its client signed in as a manager of site-1 with a personal token.</summary>
    private async Task<RunningCentral> StartCentralAsync(Mosquitto broker)
    {
        var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
            ["Mqtt:ReconnectMinDelay"] = "00:00:00.100",
            ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
            ["Policy:BadgeHashKey"] = HashKey,
            ["Policy:Debounce"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Error",
        });
        var accounts = central.Services.GetRequiredService<GateKiosk.Central.Accounts.AccountService>();
        var added = accounts.Add("manager-1", "Quản lý", "correct-horse-battery", GateKiosk.Central.Accounts.Roles.Manager, ["site-1"]);
        Assert.True(added.Done, added.Error);
        central.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", accounts.CreateToken(accounts.Store.Find("manager-1")!, "policy test").Token);
        return central;
    }

    private static string PolicyKeyFile(RunningCentral central) => central.Services.GetRequiredService<PolicyKeys>().PublicKeyFile;

    private static async Task<long> AddPersonAsync(RunningCentral central, string employeeId, string name, string badge)
    {
        using var response = await central.Http.PostAsJsonAsync("/api/people", new Dictionary<string, string>
        {
            ["employeeId"] = employeeId,
            ["name"] = name,
            ["sites"] = "site-1",
            ["badges"] = badge,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, long>>())!["id"];
    }
}
