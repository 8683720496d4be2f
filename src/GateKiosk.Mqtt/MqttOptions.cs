using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace GateKiosk.Mqtt;

/// <summary>The broker connection (configuration section <c>Mqtt</c>).</summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    /// <summary>Broker host name or address.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 1883;

    /// <summary>Stable client id; empty derives one from the kiosk (<c>gatekiosk-{site}-{kiosk}</c>).</summary>
    public string? ClientId { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>MQTT keep-alive; the broker declares the kiosk offline after 1.5× this without traffic.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the broker keeps the session (and queued messages) while the client is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>First wait before reconnecting; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one connect or publish may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the kiosk publishes telemetry (outbox depth, clock, door, reader, temperature).</summary>
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Publishes in flight while draining the journal.</summary>
    public int MaxInFlight { get; set; } = 32;

    /// <summary>Connect over TLS (the broker's port is then usually 8883).</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// PEM file with the CA certificate(s) that signed the broker's certificate. When set, only this CA is trusted
    /// (a site's private CA); when empty, the operating system's trust store is used.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>PEM certificate presented to the broker for mutual TLS (its CN is the kiosk id on a GateKiosk broker).</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertificateFile"/>; empty when the key is in the certificate file.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>MQTT protocol version: <see cref="MqttProtocol.Auto"/> tries 5.0 and falls back to 3.1.1.</summary>
    public MqttProtocol ProtocolVersion { get; set; } = MqttProtocol.Auto;

    /// <summary>Kiosk: commands handled per minute (a burst of this many, refilled evenly); more are dropped and counted.</summary>
    public int CommandsPerMinute { get; set; } = 30;

    /// <summary>Kiosk: a command whose <c>issuedAt</c> is further than this in the past or the future is rejected.</summary>
    public TimeSpan CommandMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Kiosk: at most this many events are queued again by one <c>resend</c> (a longer range is cut).</summary>
    public int ResendMaxRange { get; set; } = 5_000;

    /// <summary>Kiosk: at most this many events are queued again by <c>resend</c> commands per minute.</summary>
    public int ResendEventsPerMinute { get; set; } = 10_000;
}

/// <summary>Which MQTT protocol version the link speaks.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 5.0 first; 3.1.1 when the broker refuses 5.0 as an unsupported protocol version (remembered).</summary>
    Auto,

    /// <summary>MQTT 5.0 only.</summary>
    V500,

    /// <summary>MQTT 3.1.1 only (no reason codes on PUBACK, no session expiry: the session is kept until the kiosk cleans it).</summary>
    V311,
}

/// <summary>Names the bad key in the <c>Mqtt</c> section.</summary>
public sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add("Mqtt:Host is required (the broker's host name or address).");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"Mqtt:Port must be 1–65535 (got {options.Port}).");
        }

        if (options.ClientId is { Length: > 0 } id && (id.Length > 128 || id.Any(c => c is '+' or '#' or '/' || char.IsControl(c))))
        {
            errors.Add($"Mqtt:ClientId '{id}' must be at most 128 characters without '+', '#', '/' or control characters.");
        }

        if (options.KeepAlive < TimeSpan.FromSeconds(1) || options.KeepAlive > TimeSpan.FromHours(18))
        {
            errors.Add($"Mqtt:KeepAlive must be between 00:00:01 and 18:00:00 (got {options.KeepAlive}).");
        }

        if (options.SessionExpiry < TimeSpan.Zero || options.SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            errors.Add($"Mqtt:SessionExpiry must be 0 or more (got {options.SessionExpiry}).");
        }

        if (options.ReconnectMinDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            errors.Add("Mqtt:ReconnectMinDelay must be positive and not above Mqtt:ReconnectMaxDelay.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"Mqtt:Timeout must be positive (got {options.Timeout}).");
        }

        if (options.TelemetryInterval < TimeSpan.FromSeconds(1) || options.TelemetryInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Mqtt:TelemetryInterval must be between 00:00:01 and 01:00:00 (got {options.TelemetryInterval}).");
        }

        if (options.MaxInFlight is < 1 or > 65535)
        {
            errors.Add($"Mqtt:MaxInFlight must be 1–65535 (got {options.MaxInFlight}).");
        }

        if (!string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.Username))
        {
            errors.Add("Mqtt:Password is set but Mqtt:Username is not.");
        }

        if (!Enum.IsDefined(options.ProtocolVersion))
        {
            errors.Add($"Mqtt:ProtocolVersion must be Auto, V500 or V311 (got {options.ProtocolVersion}).");
        }

        if (options.CommandsPerMinute is < 1 or > 600)
        {
            errors.Add($"Mqtt:CommandsPerMinute must be 1–600 (got {options.CommandsPerMinute}).");
        }

        if (options.CommandMaxAge < TimeSpan.FromSeconds(30) || options.CommandMaxAge > TimeSpan.FromHours(1))
        {
            errors.Add($"Mqtt:CommandMaxAge must be between 00:00:30 and 01:00:00 (got {options.CommandMaxAge}).");
        }

        if (options.ResendMaxRange is < 1 or > 1_000_000)
        {
            errors.Add($"Mqtt:ResendMaxRange must be 1–1000000 (got {options.ResendMaxRange}).");
        }

        if (options.ResendEventsPerMinute is < 1 or > 1_000_000)
        {
            errors.Add($"Mqtt:ResendEventsPerMinute must be 1–1000000 (got {options.ResendEventsPerMinute}).");
        }

        ValidateTls(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateTls(MqttOptions options, List<string> errors)
    {
        var ca = options.CaFile;
        var cert = options.ClientCertificateFile;
        var key = options.ClientKeyFile;
        if (!options.UseTls)
        {
            foreach (var (name, value) in new[] { ("CaFile", ca), ("ClientCertificateFile", cert), ("ClientKeyFile", key) })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    errors.Add($"Mqtt:{name} is set but Mqtt:UseTls is false; set Mqtt:UseTls=true to use it.");
                }
            }

            return;
        }

        if (!string.IsNullOrEmpty(ca))
        {
            if (!File.Exists(ca))
            {
                errors.Add($"Mqtt:CaFile '{ca}' does not exist.");
            }
            else
            {
                try
                {
                    MqttTlsFiles.LoadCa(ca);
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    errors.Add($"Mqtt:CaFile '{ca}' cannot be read as PEM certificates: {ex.Message}");
                }
            }
        }

        if (!string.IsNullOrEmpty(key) && string.IsNullOrEmpty(cert))
        {
            errors.Add("Mqtt:ClientKeyFile is set but Mqtt:ClientCertificateFile is not.");
            return;
        }

        if (string.IsNullOrEmpty(cert))
        {
            return;
        }

        if (!File.Exists(cert))
        {
            errors.Add($"Mqtt:ClientCertificateFile '{cert}' does not exist.");
            return;
        }

        if (!string.IsNullOrEmpty(key) && !File.Exists(key))
        {
            errors.Add($"Mqtt:ClientKeyFile '{key}' does not exist.");
            return;
        }

        try
        {
            using var loaded = MqttTlsFiles.LoadClientCertificate(cert, key);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            errors.Add(string.IsNullOrEmpty(key)
                ? $"Mqtt:ClientCertificateFile '{cert}' must hold a PEM certificate and its private key, or set Mqtt:ClientKeyFile: {ex.Message}"
                : $"Mqtt:ClientCertificateFile '{cert}' and Mqtt:ClientKeyFile '{key}' are not a matching PEM certificate and private key: {ex.Message}");
        }
    }
}
