using GateKiosk.Contracts;
using GateKiosk.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;
using static GateKiosk.Mqtt.Tests.Broker.SiteBroker;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>
/// The per-kiosk ACL of deploy/mosquitto, proven against a real Mosquitto. Negative deliveries are checked without
/// waiting on a clock: after the refused message the same publisher sends an allowed marker, and Mosquitto keeps
/// one publisher's order towards a subscriber, so once the marker is in, the refused message would have been too.
/// </summary>
public sealed class SiteBrokerAclTests(SiteBroker site, ITestOutputHelper output) : IClassFixture<SiteBroker>
{
    private const string A = "gate-a";
    private const string B = "gate-b";
    private const string SiteFilter = "gatekiosk/v1/" + Site + "/#";

    [SkippableFact(Timeout = 30_000)]
    public async Task Publish_KioskToOwnEvents_CentralReceivesIt()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var central = await site.ConnectAsync(Central);
        var inbox = new Inbox(central);
        // The collector's own subscription (all sites, all kiosks); the ACL narrows it to this site.
        await central.SubscribeAsync(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce);
        using var kiosk = await site.ConnectAsync(A);

        var result = await kiosk.PublishAsync(Message(Topics.Events(Site, A), "entry-1"));

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        await inbox.WaitForAsync(Topics.Events(Site, A), "entry-1");
    }

    [SkippableTheory(Timeout = 30_000)]
    [InlineData("gatekiosk/v1/" + Site + "/" + B + "/events")]
    [InlineData("gatekiosk/v1/" + Site + "/" + B + "/status")]
    [InlineData("gatekiosk/v1/" + Site + "/" + B + "/cmd/result")]
    [InlineData("gatekiosk/v1/" + Site + "/" + A + "/cmd")]
    [InlineData("gatekiosk/v1/" + Site + "/policy")]
    [InlineData("gatekiosk/v1/other-site/" + A + "/events")]
    public async Task Publish_KioskOutsideItsOwnTopics_RefusedNotAuthorizedAndNotDelivered(string topic)
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var central = await site.ConnectAsync(Central);
        var inbox = new Inbox(central);
        await central.SubscribeAsync(SiteFilter, MqttQualityOfServiceLevel.AtLeastOnce);
        using var kiosk = await site.ConnectAsync(A);
        var text = "forged-" + Guid.NewGuid().ToString("N");

        var refused = await kiosk.PublishAsync(Message(topic, text));
        var marker = await kiosk.PublishAsync(Message(Topics.Events(Site, A), "marker-" + text));

        output.WriteLine($"PUBACK for {topic}: {refused.ReasonCode} (0x{(int)refused.ReasonCode:x2})");
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Equal(0x87, (int)refused.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, marker.ReasonCode);
        Assert.True(kiosk.IsConnected, "Mosquitto answers a refused QoS 1 publish with a PUBACK and keeps the connection");
        await inbox.WaitForAsync(Topics.Events(Site, A), "marker-" + text);
        Assert.DoesNotContain(inbox.Messages, m => m.Text == text);
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Subscribe_KioskToOtherKiosksTopics_NothingDelivered()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var kioskA = await site.ConnectAsync(A);
        var inboxA = new Inbox(kioskA);
        var subscribed = await kioskA.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.Command(Site, B), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.Command(Site, A), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        using var kioskB = await site.ConnectAsync(B);
        var inboxB = new Inbox(kioskB);
        await kioskB.SubscribeAsync(Topics.Command(Site, B), MqttQualityOfServiceLevel.AtLeastOnce);
        using var central = await site.ConnectAsync(Central);
        var text = Guid.NewGuid().ToString("N");

        await kioskB.PublishAsync(Message(Topics.Events(Site, B), "event-of-b-" + text));
        await central.PublishAsync(Message(Topics.Command(Site, B), "cmd-for-b-" + text));
        await central.PublishAsync(Message(Topics.Command(Site, A), "cmd-for-a-" + text));

        foreach (var item in subscribed.Items)
        {
            output.WriteLine($"SUBACK for {item.TopicFilter.Topic}: {item.ResultCode} (0x{(int)item.ResultCode:x2})");
        }

        // Mosquitto 2.0 does not check the ACL on SUBSCRIBE (it grants the QoS); it checks read access on every
        // delivery. A broker that refused the subscription outright (0x87) would be as safe.
        Assert.All(subscribed.Items, i => Assert.True(
            i.ResultCode is MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.NotAuthorized, i.ResultCode.ToString()));
        await inboxB.WaitForAsync(Topics.Command(Site, B), "cmd-for-b-" + text);
        await inboxA.WaitForAsync(Topics.Command(Site, A), "cmd-for-a-" + text);
        Assert.DoesNotContain(inboxA.Messages, m => m.Text.Contains("-b-" + text, StringComparison.Ordinal));
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Subscribe_KioskToOwnCmdAndSitePolicy_ReceivesBoth()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var central = await site.ConnectAsync(Central);
        var policy = "policy-" + Guid.NewGuid().ToString("N");
        var published = await central.PublishAsync(Message(Topics.Policy(Site), policy, retain: true));
        Assert.True(published.IsSuccess, published.ReasonCode.ToString());

        using var kiosk = await site.ConnectAsync(A);
        var inbox = new Inbox(kiosk);
        var subscribed = await kiosk.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.Command(Site, A), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.Policy(Site), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        var command = await central.PublishAsync(Message(Topics.Command(Site, A), "open-door"));

        Assert.All(subscribed.Items, i => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, i.ResultCode));
        Assert.True(command.IsSuccess, command.ReasonCode.ToString());
        await inbox.WaitForAsync(Topics.Policy(Site), policy);
        await inbox.WaitForAsync(Topics.Command(Site, A), "open-door");
        Assert.Contains(inbox.Messages, m => m.Topic == Topics.Policy(Site) && m.Retain);
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Publish_KioskStatusAndCmdResult_Allowed()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var kiosk = await site.ConnectAsync(A);

        var status = await kiosk.PublishAsync(Message(Topics.Status(Site, A), "online", retain: true));
        var telemetry = await kiosk.PublishAsync(Message(Topics.Telemetry(Site, A), "{}"));
        var result = await kiosk.PublishAsync(Message(Topics.CommandResult(Site, A), "done"));

        // 0x10 No Matching Subscribers is a success: nobody listens in this test.
        Assert.All([status, telemetry, result], r => Assert.True(r.IsSuccess, r.ReasonCode.ToString()));
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Connect_WithoutClientCertificate_Fails()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var client = new MqttClientFactory().CreateMqttClient();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(site.Options("test-anonymous", null, null)));

        output.WriteLine($"{error.GetType().Name}: {error.GetBaseException().Message}");
        Assert.False(client.IsConnected);
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Connect_ClientCertificateOfAnotherCa_Fails()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        var folder = Path.Combine(Path.GetTempPath(), "gk-other-ca-" + Guid.NewGuid().ToString("N")[..8]);
        using var other = new TestPki(folder, "someone else's CA");
        var (certificate, key) = other.IssueClient(A);
        using var client = new MqttClientFactory().CreateMqttClient();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(site.Options("test-other-ca", certificate, key)));

        output.WriteLine($"{error.GetType().Name}: {error.GetBaseException().Message}");
        Assert.False(client.IsConnected);
        Directory.Delete(folder, recursive: true);
    }

    internal static MqttApplicationMessage Message(string topic, string text, bool retain = false) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(text)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithRetainFlag(retain)
        .Build();
}
