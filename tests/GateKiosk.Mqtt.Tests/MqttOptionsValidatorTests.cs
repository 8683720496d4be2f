using GateKiosk.Mqtt.Tests.Broker;

namespace GateKiosk.Mqtt.Tests;

public sealed class MqttOptionsValidatorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-tls-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly TestPki _pki;

    public MqttOptionsValidatorTests() => _pki = new TestPki(_folder);

    [Fact]
    public void Validate_MutualTlsWithMatchingFiles_Succeeds()
    {
        var (certificate, key) = _pki.IssueClient("gate-1");

        var result = Validate(new MqttOptions { Host = "broker", UseTls = true, CaFile = _pki.CaFile, ClientCertificateFile = certificate, ClientKeyFile = key });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_CertificateAndKeyInOneFile_Succeeds()
    {
        var (certificate, key) = _pki.IssueClient("gate-1");
        var combined = Path.Combine(_folder, "combined.pem");
        File.WriteAllText(combined, File.ReadAllText(certificate) + "\n" + File.ReadAllText(key));

        var result = Validate(new MqttOptions { Host = "broker", UseTls = true, ClientCertificateFile = combined });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_TlsFilesWithoutUseTls_NamesUseTls()
    {
        var result = Validate(new MqttOptions { Host = "broker", CaFile = _pki.CaFile });

        Assert.True(result.Failed);
        Assert.Contains("Mqtt:CaFile is set but Mqtt:UseTls is false", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingFiles_NameTheKeys()
    {
        var missing = Path.Combine(_folder, "nope.pem");

        var ca = Validate(new MqttOptions { Host = "broker", UseTls = true, CaFile = missing });
        var certificate = Validate(new MqttOptions { Host = "broker", UseTls = true, ClientCertificateFile = missing, ClientKeyFile = missing });

        Assert.Contains($"Mqtt:CaFile '{missing}' does not exist", ca.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"Mqtt:ClientCertificateFile '{missing}' does not exist", certificate.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyWithoutCertificate_NamesBothKeys()
    {
        var (_, key) = _pki.IssueClient("gate-1");

        var result = Validate(new MqttOptions { Host = "broker", UseTls = true, ClientKeyFile = key });

        Assert.Contains("Mqtt:ClientKeyFile is set but Mqtt:ClientCertificateFile is not", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CertificateWithoutKey_AsksForClientKeyFile()
    {
        var (certificate, _) = _pki.IssueClient("gate-1");

        var result = Validate(new MqttOptions { Host = "broker", UseTls = true, ClientCertificateFile = certificate });

        Assert.True(result.Failed);
        Assert.Contains("set Mqtt:ClientKeyFile", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyOfAnotherCertificate_NamesBothKeys()
    {
        var (certificate, _) = _pki.IssueClient("gate-1");
        var (_, otherKey) = _pki.IssueClient("gate-2");

        var result = Validate(new MqttOptions { Host = "broker", UseTls = true, ClientCertificateFile = certificate, ClientKeyFile = otherKey });

        Assert.True(result.Failed);
        Assert.Contains("Mqtt:ClientCertificateFile", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Mqtt:ClientKeyFile", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CaFileWithoutCertificate_NamesCaFile()
    {
        var (_, key) = _pki.IssueClient("gate-1");

        var result = Validate(new MqttOptions { Host = "broker", UseTls = true, CaFile = key });

        Assert.Contains($"Mqtt:CaFile '{key}' cannot be read as PEM certificates", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownProtocolVersion_NamesProtocolVersion()
    {
        var result = Validate(new MqttOptions { Host = "broker", ProtocolVersion = (MqttProtocol)7 });

        Assert.Contains("Mqtt:ProtocolVersion", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CommandLimitsOutOfRange_NameEachKey()
    {
        var result = Validate(new MqttOptions { Host = "broker", CommandsPerMinute = 0, CommandMaxAge = TimeSpan.FromDays(1), ResendMaxRange = 0, ResendEventsPerMinute = -1 });

        Assert.Contains("Mqtt:CommandsPerMinute", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Mqtt:CommandMaxAge", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Mqtt:ResendMaxRange", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Mqtt:ResendEventsPerMinute", result.FailureMessage, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _pki.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(MqttOptions options) => new MqttOptionsValidator().Validate(null, options);
}
