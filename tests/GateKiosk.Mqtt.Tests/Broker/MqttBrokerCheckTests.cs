using System.Diagnostics;
using GateKiosk.Contracts;
using GateKiosk.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;
using static GateKiosk.Mqtt.Tests.Broker.SiteBroker;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>The self-test's broker check against a real Mosquitto: the deploy/mosquitto site broker, and one with passwords.</summary>
public sealed class MqttBrokerCheckTests(SiteBroker site, ITestOutputHelper output) : IClassFixture<SiteBroker>
{
    private const string Kiosk = "gate-check";

    [SkippableFact(Timeout = 60_000)]
    public async Task Run_KioskCertificateAndOwnStatusTopic_OkAndRetainedStatusKept()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        var retained = "online-" + Guid.NewGuid().ToString("N");
        using (var kiosk = await site.ConnectAsync(Kiosk))
        {
            var set = await kiosk.PublishAsync(SiteBrokerAclTests.Message(Topics.Status(Site, Kiosk), retained, retain: true));
            Assert.True(set.IsSuccess, set.ReasonCode.ToString());
            await kiosk.DisconnectAsync(new MqttClientDisconnectOptions());
        }

        var result = await RunAsync(SiteOptions(Kiosk), Kiosk);

        Assert.Equal(BrokerCheckOutcome.Ok, result.Outcome);
        using var central = await site.ConnectAsync(Central);
        var inbox = new Inbox(central);
        await central.SubscribeAsync(Topics.Status(Site, Kiosk), MqttQualityOfServiceLevel.AtLeastOnce);
        await inbox.WaitForAsync(Topics.Status(Site, Kiosk), retained);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Run_AclRefusesTheKiosksStatusTopic_PublishRefusedNotAuthorized()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);

        // The certificate names another kiosk than Kiosk:KioskId: the ACL gives it no right on this kiosk's topics.
        var result = await RunAsync(SiteOptions("gate-other"), Kiosk);

        Assert.Equal(BrokerCheckOutcome.PublishRefused, result.Outcome);
        Assert.Contains("NotAuthorized (0x87)", result.Detail, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Run_CertificateOfAnotherCa_TlsFailed()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        var folder = Path.Combine(Path.GetTempPath(), "gk-check-ca-" + Guid.NewGuid().ToString("N")[..8]);
        using var other = new TestPki(folder, "someone else's CA");
        var (certificate, key) = other.IssueClient(Kiosk);
        var options = SiteOptions(Kiosk);
        options.ClientCertificateFile = certificate;
        options.ClientKeyFile = key;

        var result = await RunAsync(options, Kiosk);

        Assert.Equal(BrokerCheckOutcome.TlsFailed, result.Outcome);
        Directory.Delete(folder, recursive: true);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Run_PasswordBroker_RightPasswordOkWrongPasswordLoginRefused()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartWithConfigAsync((port, folder) =>
        {
            var passwords = Path.Combine(folder, "passwords");
            using (var tool = Process.Start("mosquitto_passwd", ["-b", "-c", passwords, Kiosk, "right-password"]))
            {
                tool.WaitForExit(10_000);
            }

            return $"""
                listener {port} 127.0.0.1
                allow_anonymous false
                password_file {passwords}
                persistence false
                log_dest stderr
                """;
        });
        var options = new MqttOptions { Host = "127.0.0.1", Port = broker.Port, Username = Kiosk, Password = "right-password" };

        var right = await RunAsync(options, Kiosk);
        options.Password = "wrong-password";
        var wrong = await RunAsync(options, Kiosk);

        Assert.Equal(BrokerCheckOutcome.Ok, right.Outcome);
        Assert.Equal(BrokerCheckOutcome.LoginRefused, wrong.Outcome);
        Assert.Contains("Mqtt:Password", wrong.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", wrong.Detail, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Run_NothingListening_Unreachable()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        int port;
        await using (var broker = await Mosquitto.StartAsync())
        {
            port = broker.Port;
        }

        var result = await RunAsync(new MqttOptions { Host = "127.0.0.1", Port = port }, Kiosk);

        Assert.Equal(BrokerCheckOutcome.Unreachable, result.Outcome);
    }

    private MqttOptions SiteOptions(string commonName)
    {
        var (certificate, key) = site.ClientFiles(commonName);
        return new MqttOptions
        {
            Host = "127.0.0.1",
            Port = site.Port,
            UseTls = true,
            CaFile = site.CaFile,
            ClientCertificateFile = certificate,
            ClientKeyFile = key,
        };
    }

    private async Task<BrokerCheckResult> RunAsync(MqttOptions options, string kiosk)
    {
        var result = await MqttBrokerCheck.RunAsync(options, $"gatekiosk-{Site}-{kiosk}", Topics.Status(Site, kiosk), TimeProvider.System, CancellationToken.None);
        output.WriteLine($"{result.Outcome}: {result.Detail}");
        return result;
    }
}
