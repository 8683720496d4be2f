using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GateKiosk.Mqtt.Tests;

/// <summary>
/// A broker that speaks only MQTT 3.1.1, as older brokers do: a CONNECT with any other protocol level gets the 3.1.1
/// refusal (CONNACK return code 1, unacceptable protocol version) and the connection is closed (MQTT 3.1.1 §3.1.2.2).
/// Accepted clients get PUBACK for QoS 1 publishes and PINGRESP for pings. Just enough wire protocol for the fallback.
/// </summary>
internal sealed class FakeV311Broker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _connections = new();
    private readonly ConcurrentQueue<int> _connectLevels = new();
    private readonly ConcurrentQueue<string> _published = new();
    private readonly Task _accepting;

    private FakeV311Broker()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The protocol level of every CONNECT, in order (5 = MQTT 5.0, 4 = 3.1.1).</summary>
    public IReadOnlyList<int> ConnectLevels => [.. _connectLevels];

    /// <summary>Topics of the publishes accepted, in order.</summary>
    public IReadOnlyCollection<string> Published => _published;

    public static FakeV311Broker Start() => new();

    /// <summary>Closes every open connection, as a broker restart would.</summary>
    public void DropAll()
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections[client] = 0;
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var (header, body) = await ReadPacketAsync(stream);
            if (header >> 4 != 1)
            {
                return;
            }

            var nameLength = (body[0] << 8) | body[1];
            var level = body[2 + nameLength];
            _connectLevels.Enqueue(level);
            if (level != 4)
            {
                await stream.WriteAsync(new byte[] { 0x20, 0x02, 0x00, 0x01 }, _stop.Token);
                return;
            }

            await stream.WriteAsync(new byte[] { 0x20, 0x02, 0x00, 0x00 }, _stop.Token);
            while (!_stop.IsCancellationRequested)
            {
                (header, body) = await ReadPacketAsync(stream);
                switch (header >> 4)
                {
                    case 3:
                        var topicLength = (body[0] << 8) | body[1];
                        _published.Enqueue(System.Text.Encoding.UTF8.GetString(body, 2, topicLength));
                        if (((header >> 1) & 3) == 1)
                        {
                            await stream.WriteAsync(new byte[] { 0x40, 0x02, body[2 + topicLength], body[3 + topicLength] }, _stop.Token);
                        }

                        break;
                    case 8:
                        // SUBSCRIBE: grant QoS 1 to the one filter a kiosk asks for (its command topic).
                        await stream.WriteAsync(new byte[] { 0x90, 0x03, body[0], body[1], 0x01 }, _stop.Token);
                        break;
                    case 12:
                        await stream.WriteAsync(new byte[] { 0xD0, 0x00 }, _stop.Token);
                        break;
                    case 14:
                        return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
        }
        finally
        {
            _connections.TryRemove(client, out _);
            client.Dispose();
        }
    }

    private async Task<(byte Header, byte[] Body)> ReadPacketAsync(NetworkStream stream)
    {
        var one = new byte[1];
        await stream.ReadExactlyAsync(one, _stop.Token);
        var header = one[0];
        int length = 0, shift = 0;
        do
        {
            await stream.ReadExactlyAsync(one, _stop.Token);
            length |= (one[0] & 0x7F) << shift;
            shift += 7;
        }
        while ((one[0] & 0x80) != 0);

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, _stop.Token);
        return (header, body);
    }
}
