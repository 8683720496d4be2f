using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GateKiosk.Mqtt;

/// <summary>What <see cref="MqttBrokerCheck"/> found.</summary>
public enum BrokerCheckOutcome
{
    /// <summary>Connected with the kiosk's TLS files and credentials, and the broker accepted a publish to its status topic.</summary>
    Ok,

    /// <summary>No TCP connection, or no answer in time.</summary>
    Unreachable,

    /// <summary>The TLS handshake failed: the broker refused the kiosk's certificate, or the kiosk refused the broker's.</summary>
    TlsFailed,

    /// <summary>The broker answered the CONNECT with a refusal (wrong user name or password, not authorised, …).</summary>
    LoginRefused,

    /// <summary>Connected, but the broker refused the kiosk's publish to its own status topic (its ACL).</summary>
    PublishRefused,
}

/// <summary>The outcome and a line for a technician (never a password or a key).</summary>
public sealed record BrokerCheckResult(BrokerCheckOutcome Outcome, string Detail);

/// <summary>
/// Connects to the broker exactly as the kiosk does (same client id, TLS files, credentials, protocol and session
/// settings, through <see cref="MqttLink"/>) and publishes once at QoS 1 to the kiosk's own status topic, so a
/// refused certificate, a wrong password and an ACL that does not let the kiosk report are each found before the
/// kiosk goes live. The publish is an empty, non-retained message: the retained status stays as it was and central
/// ignores an empty status. MQTT 5 brokers answer a publish the ACL refuses with PUBACK 0x87 (Not authorized);
/// over MQTT 3.1.1 a refusal cannot be seen and is not reported. Anything the broker delivers from the kiosk's
/// session while connected is left unacknowledged, so it is delivered again to the kiosk service.
/// </summary>
public static class MqttBrokerCheck
{
    public static async Task<BrokerCheckResult> RunAsync(MqttOptions options, string clientId, string statusTopic, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var where = $"{options.Host}:{options.Port}";
        using var link = new MqttLink(options, clientId, will: null, NullLogger.Instance, time);
        link.Client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            return Task.CompletedTask;
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            var connected = await link.ConnectOnceAsync(timeout.Token);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                return Refused(where, connected.ResultCode);
            }

            var message = new MqttApplicationMessageBuilder()
                .WithTopic(statusTopic)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(false)
                .Build();
            var published = await link.Client.PublishAsync(message, timeout.Token);
            var protocol = link.ProtocolVersion == MqttProtocolVersion.V500 ? "MQTT 5" : "MQTT 3.1.1, which cannot report an ACL refusal";
            await link.DisconnectAsync();
            return published.IsSuccess
                ? new(BrokerCheckOutcome.Ok, $"{where} accepted {Describe(options)} and a publish to {statusTopic} ({protocol})")
                : new(BrokerCheckOutcome.PublishRefused, $"{where} refused a publish to {statusTopic}: {published.ReasonCode} (0x{(int)published.ReasonCode:x2}); the broker's ACL must let this kiosk write its own topics");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(BrokerCheckOutcome.Unreachable, $"{where} no answer within {options.Timeout.TotalSeconds:F0} s");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or IOException or AuthenticationException or SocketException)
        {
            var cause = ex.GetBaseException();
            return IsTls(ex, options.UseTls)
                ? new(BrokerCheckOutcome.TlsFailed, $"{where} TLS handshake failed ({Describe(options)}): {cause.Message}")
                : new(BrokerCheckOutcome.Unreachable, $"{where} {cause.Message}");
        }
    }

    private static BrokerCheckResult Refused(string where, MqttClientConnectResultCode code) => new(
        BrokerCheckOutcome.LoginRefused,
        $"{where} refused the connection: {code} (0x{(int)code:x2})"
        + (code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
            ? "; check Mqtt:Username and Mqtt:Password, or the client certificate"
            : ""));

    private static string Describe(MqttOptions options) =>
        (options.UseTls, string.IsNullOrEmpty(options.ClientCertificateFile), string.IsNullOrEmpty(options.Username)) switch
        {
            (false, _, true) => "a plain connection",
            (false, _, false) => $"user {options.Username}",
            (true, true, true) => "TLS",
            (true, true, false) => $"TLS, user {options.Username}",
            (true, false, true) => $"TLS with client certificate {Path.GetFileName(options.ClientCertificateFile)}",
            (true, false, false) => $"TLS with client certificate {Path.GetFileName(options.ClientCertificateFile)}, user {options.Username}",
        };

    /// <summary>
    /// Over TLS, a connection that was made but then failed is the handshake: a refused certificate shows as an
    /// authentication error, or as the broker closing the connection (reset, not connected) right after its alert.
    /// Only a socket that never connected (refused, unreachable, no such host, timed out) is "unreachable".
    /// </summary>
    private static bool IsTls(Exception ex, bool useTls)
    {
        var neverConnected = false;
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }

            neverConnected |= e is SocketException
            {
                SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                    or SocketError.NetworkUnreachable or SocketError.TimedOut or SocketError.TryAgain or SocketError.NoData,
            };
        }

        return useTls && !neverConnected;
    }
}
