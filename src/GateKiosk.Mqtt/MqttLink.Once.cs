using MQTTnet;

namespace GateKiosk.Mqtt;

/// <summary>A single connect with the link's options (TLS files, credentials, protocol fallback), for checks.</summary>
public sealed partial class MqttLink
{
    /// <summary>Connects once, as <see cref="RunAsync"/> would; the caller reads the result and disconnects.</summary>
    internal Task<MqttClientConnectResult> ConnectOnceAsync(CancellationToken cancellationToken) => ConnectAsync(cancellationToken);
}
