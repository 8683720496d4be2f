using GateKiosk.Contracts;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GateKiosk.LoadTest;

/// <summary>
/// The peer of the run: a QoS 1 subscriber to every kiosk's events that stores nothing, on a persistent session, so it
/// receives the same stream central does. It counts the messages of this run's sites and notes when the last came.
/// </summary>
internal sealed class PlainSubscriber(string sitePrefix, TimeProvider time) : IDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private long _received;
    private long _lastAt;

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last message received.</summary>
    public long LastAt => Interlocked.Read(ref _lastAt);

    public async Task StartAsync(string host, int port, CancellationToken cancellationToken)
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic.StartsWith(Topics.Root + "/" + sitePrefix, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _received);
                Interlocked.Exchange(ref _lastAt, time.GetTimestamp());
            }

            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("gatekiosk-loadtest-plain-" + sitePrefix.TrimEnd('-'))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _client.ConnectAsync(options, timeout.Token);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.SubscribeAsync(subscribe, timeout.Token);
    }

    public async Task StopAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                // Session expiry 0 at disconnect: the broker forgets this subscriber's session.
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(0).Build(), timeout.Token);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
            }
        }
    }

    public void Dispose() => _client.Dispose();
}
