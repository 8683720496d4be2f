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

    /// <summary>Publishes in flight while draining the journal.</summary>
    public int MaxInFlight { get; set; } = 32;
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

        if (options.MaxInFlight is < 1 or > 65535)
        {
            errors.Add($"Mqtt:MaxInFlight must be 1–65535 (got {options.MaxInFlight}).");
        }

        if (!string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.Username))
        {
            errors.Add("Mqtt:Password is set but Mqtt:Username is not.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
