using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;

namespace GateKiosk.Mqtt;

/// <summary>
/// One MQTT 5 session kept alive by its owner: MQTTnet 5 has no managed client, so this loop connects,
/// runs the caller's session body, notices the drop and reconnects with exponential backoff.
/// Clean start is off and the session outlives short outages, so QoS 1 traffic queued by the broker is kept.
/// </summary>
public sealed partial class MqttLink : IDisposable
{
    private readonly MqttOptions _options;
    private readonly string _clientId;
    private readonly MqttApplicationMessage? _will;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private TaskCompletionSource _disconnected = NewSignal();

    public MqttLink(MqttOptions options, string clientId, MqttApplicationMessage? will, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clientId = clientId;
        _will = will;
        _logger = logger;
        _time = time;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += e =>
        {
            _disconnected.TrySetResult();
            return Task.CompletedTask;
        };
    }

    /// <summary>The client; valid to use while <see cref="IsConnected"/>.</summary>
    public IMqttClient Client => _client;

    public bool IsConnected => _client.IsConnected;

    /// <summary>What the broker said when the current session started (receive maximum, packet size limit).</summary>
    public MqttClientConnectResult? ConnectResult { get; private set; }

    /// <summary>
    /// Runs until <paramref name="stoppingToken"/> fires: connect, run <paramref name="session"/> (which should
    /// return when the link drops or it is done), wait for the drop, back off, repeat.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> session, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var delay = _options.ReconnectMinDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _disconnected = NewSignal();
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    connectTimeout.CancelAfter(_options.Timeout);
                    var result = await _client.ConnectAsync(BuildOptions(), connectTimeout.Token);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new MqttRefusedException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                    }

                    ConnectResult = result;
                }

                LogConnected(_clientId, _options.Host, _options.Port);
                delay = _options.ReconnectMinDelay;
                using var sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var body = session(sessionEnd.Token);
                await Task.WhenAny(body, _disconnected.Task.WaitAsync(stoppingToken));
                await sessionEnd.CancelAsync();
                await body.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                if (body is { IsFaulted: true, Exception: { } ex })
                {
                    LogSessionFailed(ex.GetBaseException());
                }

                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                if (!_disconnected.Task.IsCompleted)
                {
                    // The body ended by itself (a fault): drop the connection and start over.
                    await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
                }

                LogDisconnected(_options.Host, _options.Port);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A broker that is down, refuses or times out is an expected fault of this loop.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogConnectFailed(_options.Host, _options.Port, delay.TotalSeconds, ex.GetBaseException().Message);
            }

            try
            {
                var jittered = delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
                await Task.Delay(jittered, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
        }
    }

    /// <summary>Disconnects cleanly (no will) if connected.</summary>
    public async Task DisconnectAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(_options.Timeout);
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
            }
#pragma warning disable CA1031 // Best effort at shutdown: the broker may already be gone.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogConnectFailed(_options.Host, _options.Port, 0, ex.GetBaseException().Message);
            }
        }
    }

    public void Dispose() => _client.Dispose();

    private MqttClientOptions BuildOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.Timeout);
        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder = builder.WithCredentials(_options.Username, _options.Password);
        }

        if (_will is not null)
        {
            builder = builder
                .WithWillTopic(_will.Topic)
                .WithWillPayload(System.Buffers.BuffersExtensions.ToArray(_will.Payload))
                .WithWillRetain(_will.Retain)
                .WithWillQualityOfServiceLevel(_will.QualityOfServiceLevel);
        }

        return builder.Build();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT {ClientId} connected to {Host}:{Port}")]
    private partial void LogConnected(string clientId, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT link to {Host}:{Port} dropped; reconnecting")]
    private partial void LogDisconnected(string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} not reachable, retrying in {DelaySeconds:F1} s: {Error}")]
    private partial void LogConnectFailed(string host, int port, double delaySeconds, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT session failed")]
    private partial void LogSessionFailed(Exception ex);
}

/// <summary>The broker answered, but with a refusal.</summary>
public sealed class MqttRefusedException : Exception
{
    public MqttRefusedException()
    {
    }

    public MqttRefusedException(string message)
        : base(message)
    {
    }

    public MqttRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
