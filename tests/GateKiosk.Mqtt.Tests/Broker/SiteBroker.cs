using System.Diagnostics;
using GateKiosk.Testing;
using MQTTnet;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>
/// A real Mosquitto configured with the real deploy/mosquitto files, rendered by render.sh for <see cref="Site"/> with
/// the test's own port and folder, and a test-made site CA: the broker certificate and client certificates by CN.
/// </summary>
public sealed class SiteBroker : IAsyncLifetime
{
    public const string Site = "test-site";
    public const string Central = "central.gatekiosk";

    private TestPki? _pki;

    public Mosquitto? Broker { get; private set; }

    public int Port => Broker!.Port;

    public string CaFile => _pki!.CaFile;

    public async Task InitializeAsync()
    {
        if (!Mosquitto.IsInstalled)
        {
            return;
        }

        Broker = await Mosquitto.StartWithConfigAsync((port, folder) =>
        {
            _pki = new TestPki(Path.Combine(folder, "certs"));
            _pki.IssueServer("broker");
            Render(port, folder);
            return File.ReadAllText(Path.Combine(folder, "mosquitto.conf"));
        });
    }

    /// <summary>A client certificate and key (PEM files) for <paramref name="commonName"/>, signed by the site CA.</summary>
    public (string Certificate, string Key) ClientFiles(string commonName) => _pki!.IssueClient(commonName, "client-" + commonName);

    /// <summary>Connects an MQTT 5 client over TLS with the client certificate for <paramref name="commonName"/>.</summary>
    public async Task<IMqttClient> ConnectAsync(string commonName)
    {
        var (certificate, key) = ClientFiles(commonName);
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options($"test-{commonName}-{Guid.NewGuid():N}", certificate, key));
        return client;
    }

    /// <summary>TLS client options trusting only the site CA, with an optional client certificate.</summary>
    public MqttClientOptions Options(string clientId, string? certificate, string? key, string? caFile = null)
    {
        var trusted = MqttTlsFiles.LoadCa(caFile ?? CaFile);
        var tls = new MqttClientTlsOptionsBuilder()
            .WithCertificateValidationHandler(e => MqttTlsFiles.IsTrustedBroker(e.Certificate, e.Chain, e.SslPolicyErrors, trusted));
        if (certificate is not null)
        {
            tls = tls.WithClientCertificates([MqttTlsFiles.LoadClientCertificate(certificate, key)]);
        }

        return new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Port)
            .WithClientId(clientId)
            .WithTlsOptions(tls.Build())
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    public async Task DisposeAsync()
    {
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        _pki?.Dispose();
    }

    private static void Render(int port, string folder)
    {
        var script = Path.Combine(RepoPaths.Root, "deploy", "mosquitto", "render.sh");
        var info = new ProcessStartInfo("bash", [script, Site, folder]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["LISTEN_ADDRESS"] = "127.0.0.1";
        info.Environment["CONF_DIR"] = folder;
        info.Environment["DATA_DIR"] = Path.Combine(folder, "data");
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"render.sh failed: {error.Result}");
        }
    }
}
