using GateKiosk.Contracts;
using GateKiosk.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using static GateKiosk.Mqtt.Tests.Broker.SiteBroker;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>
/// Client ids on the deploy/mosquitto broker belong to certificates: a client that asks for another client's id
/// gets its own CN instead, so it can neither disconnect that client nor take over (and clean) its session.
/// "Not disturbed" is checked without a clock: Mosquitto disconnects a taken-over client before it answers the
/// newcomer's CONNECT, and the old client's socket is ordered, so a QoS 1 round trip made after the newcomer is
/// connected would fail if the old client had been thrown off.
/// </summary>
public sealed class SiteBrokerClientIdTests(SiteBroker site) : IClassFixture<SiteBroker>
{
    private const string A = "gate-cid-a";
    private const string B = "gate-cid-b";

    [SkippableTheory(Timeout = 30_000)]
    [InlineData("gatekiosk-central")]
    [InlineData(Central)]
    public async Task Connect_KioskCertificateWithCentralsClientId_CentralStaysConnected(string claimedId)
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var central = await ConnectAsync(Central, claimedId, cleanStart: false);
        var dropped = 0;
        central.DisconnectedAsync += _ => { Interlocked.Increment(ref dropped); return Task.CompletedTask; };
        var inbox = new Inbox(central);
        await central.SubscribeAsync(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce);

        using var impostor = await ConnectAsync(A, claimedId, cleanStart: true);
        var roundTrip = await central.PublishAsync(SiteBrokerAclTests.Message(Topics.Command(Site, A), "still-here"));
        var published = await impostor.PublishAsync(SiteBrokerAclTests.Message(Topics.Events(Site, A), "from-a"));

        Assert.True(roundTrip.IsSuccess, roundTrip.ReasonCode.ToString());
        Assert.True(central.IsConnected, "central was disconnected by a kiosk claiming its client id");
        Assert.Equal(0, Volatile.Read(ref dropped));
        Assert.True(published.IsSuccess, published.ReasonCode.ToString());
        await inbox.WaitForAsync(Topics.Events(Site, A), "from-a");
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Connect_KioskCertificateWithCentralsIdAndCleanStart_CentralsQueuedEventsKept()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        const string centralId = "gatekiosk-central";
        using (var first = await ConnectAsync(Central, centralId, cleanStart: false))
        {
            await first.SubscribeAsync(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce);
            await first.DisconnectAsync(new MqttClientDisconnectOptions());
        }

        var text = "queued-" + Guid.NewGuid().ToString("N");
        using var kiosk = await ConnectAsync(B, "kiosk-b", cleanStart: true);
        var queued = await kiosk.PublishAsync(SiteBrokerAclTests.Message(Topics.Events(Site, B), text));
        Assert.True(queued.IsSuccess, queued.ReasonCode.ToString());

        // The takeover that used to discard central's session: clean start under central's id, then leave.
        using (var impostor = await ConnectAsync(A, centralId, cleanStart: true))
        {
            await impostor.DisconnectAsync(new MqttClientDisconnectOptions());
        }

        using var central = new MqttClientFactory().CreateMqttClient();
        var inbox = new Inbox(central);
        var resumed = await central.ConnectAsync(Options(Central, centralId, cleanStart: false));

        Assert.True(resumed.IsSessionPresent, "central's session was discarded");
        await inbox.WaitForAsync(Topics.Events(Site, B), text);
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Connect_KioskCertificateWithAnotherKiosksClientId_OtherKioskStaysConnected()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        var idOfB = $"gatekiosk-{Site}-{B}";
        using var kioskB = await ConnectAsync(B, idOfB, cleanStart: false);
        var dropped = 0;
        kioskB.DisconnectedAsync += _ => { Interlocked.Increment(ref dropped); return Task.CompletedTask; };

        using var impostor = await ConnectAsync(A, idOfB, cleanStart: true);
        var roundTrip = await kioskB.PublishAsync(SiteBrokerAclTests.Message(Topics.Events(Site, B), "b-still-here"));

        Assert.True(roundTrip.IsSuccess, roundTrip.ReasonCode.ToString());
        Assert.True(kioskB.IsConnected, "kiosk B was disconnected by kiosk A claiming its client id");
        Assert.Equal(0, Volatile.Read(ref dropped));
    }

    private async Task<IMqttClient> ConnectAsync(string commonName, string clientId, bool cleanStart)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(commonName, clientId, cleanStart));
        return client;
    }

    private MqttClientOptions Options(string commonName, string clientId, bool cleanStart)
    {
        var (certificate, key) = site.ClientFiles(commonName);
        var options = site.Options(clientId, certificate, key);
        options.CleanSession = cleanStart;
        options.SessionExpiryInterval = cleanStart ? 0u : 3600u;
        return options;
    }
}
