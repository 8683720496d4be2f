using System.Collections.Concurrent;
using System.Text;
using GateKiosk.Testing;
using MQTTnet;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>Every message a client receives, as (topic, text, retain).</summary>
internal sealed class Inbox
{
    private readonly ConcurrentQueue<(string Topic, string Text, bool Retain)> _messages = new();

    public Inbox(IMqttClient client) =>
        client.ApplicationMessageReceivedAsync += e =>
        {
            _messages.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };

    public IReadOnlyCollection<(string Topic, string Text, bool Retain)> Messages => _messages;

    public bool Has(string topic, string text) => _messages.Any(m => m.Topic == topic && m.Text == text);

    public Task WaitForAsync(string topic, string text) =>
        Eventually.TrueAsync(() => Has(topic, text), TimeSpan.FromSeconds(10), $"'{text}' on {topic}");
}
