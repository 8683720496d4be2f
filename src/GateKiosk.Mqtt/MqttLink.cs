using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;

namespace GateKiosk.Mqtt;

/// <summary>
/// One MQTT 5 session kept alive by its owner: MQTTnet 5 has no managed client, so this loop connects,
/// runs the caller's session body, notices the drop and reconnects with exponential backoff.
/// Clean start is off and the session outlives short outages, so QoS 1 traffic queued by the broker is kept.
/// With <see cref="MqttProtocol.Auto"/> a broker that refuses MQTT 5 as an unsupported protocol version is
/// asked again at once in 3.1.1, and the link stays on 3.1.1 for its lifetime.
/// </summary>
public sealed partial class MqttLink : IDisposable
{
    /// <summary>Socket send and receive buffer requested for the broker connection.</summary>
    internal const int SocketBufferBytes = 1024 * 1024;

    private readonly MqttOptions _options;
    private readonly string _clientId;
    private readonly MqttApplicationMessage? _will;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private TaskCompletionSource _disconnected = NewSignal();
    private long _connection;
    private X509Certificate2? _clientCertificate;

    public MqttLink(MqttOptions options, string clientId, MqttApplicationMessage? will, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clientId = clientId;
        _will = will;
        _logger = logger;
        _time = time;
        ProtocolVersion = options.ProtocolVersion == MqttProtocol.V311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += e =>
        {
            // A refused or failed connect raises this too (late, on the thread pool); only a drop ends a session.
            if (e.ClientWasConnected)
            {
                _disconnected.TrySetResult();
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The client; valid to use while <see cref="IsConnected"/>.</summary>
    public IMqttClient Client => _client;

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// Which connection attempt of <see cref="RunAsync"/> is current: counted before each connect, so whatever the broker
    /// delivers on a connection (a kept session's queue comes right after CONNACK) carries that connection's number.
    /// A message must be acknowledged on the connection it came on; its number tells whether that one is still current.
    /// </summary>
    public long ConnectionNumber => Interlocked.Read(ref _connection);

    /// <summary>What the broker said when the current session started (receive maximum, packet size limit).</summary>
    public MqttClientConnectResult? ConnectResult { get; private set; }

    /// <summary>The protocol version used for the next (or current) connection; 3.1.1 after an Auto fallback.</summary>
    public MqttProtocolVersion ProtocolVersion { get; private set; }

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
                Interlocked.Increment(ref _connection);
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    connectTimeout.CancelAfter(_options.Timeout);
                    var result = await ConnectAsync(connectTimeout.Token);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new MqttRefusedException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                    }

                    ConnectResult = result;
                }

                LogConnected(_clientId, _options.Host, _options.Port, ProtocolVersion);
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

    public void Dispose()
    {
        _client.Dispose();
        _clientCertificate?.Dispose();
    }

    /// <summary>
    /// Whether a refused MQTT 5 connect should be retried in 3.1.1: only in Auto mode, and only when the broker said the
    /// protocol version is the problem — a 5.0 broker answers 0x84 (Unsupported Protocol Version), a 3.1.1-only broker
    /// answers its own CONNACK with return code 1 (unacceptable protocol version), which the 5.0 decoder reads as 1.
    /// </summary>
    internal static bool ShouldFallBack(MqttProtocol setting, MqttProtocolVersion tried, MqttClientConnectResultCode result) =>
        setting == MqttProtocol.Auto
        && tried == MqttProtocolVersion.V500
        && (result == MqttClientConnectResultCode.UnsupportedProtocolVersion || (int)result == 1);

    private async Task<MqttClientConnectResult> ConnectAsync(CancellationToken cancellationToken)
    {
        var result = await _client.ConnectAsync(BuildOptions(), cancellationToken);
        if (ShouldFallBack(_options.ProtocolVersion, ProtocolVersion, result.ResultCode))
        {
            LogFallingBack(_options.Host, _options.Port, result.ResultCode);
            ProtocolVersion = MqttProtocolVersion.V311;
            result = await _client.ConnectAsync(BuildOptions(), cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// With MQTT 5, the most unacknowledged QoS 1 messages the broker may send this client at once (its Receive Maximum);
    /// null leaves the protocol's default, 65,535. A client that acknowledges only once it has stored a message sets it,
    /// so a backlog waits at the broker instead of in this process's memory.
    /// </summary>
    public ushort? ReceiveMaximum { get; init; }

    private MqttClientOptions BuildOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_clientId)
            .WithProtocolVersion(ProtocolVersion)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.Timeout);
        if (ReceiveMaximum is { } receiveMaximum && ProtocolVersion == MqttProtocolVersion.V500)
        {
            builder = builder.WithReceiveMaximum(receiveMaximum);
        }

        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder = builder.WithCredentials(_options.Username, _options.Password);
        }

        if (_options.UseTls)
        {
            builder = builder.WithTlsOptions(BuildTlsOptions());
        }

        if (_will is not null)
        {
            builder = builder
                .WithWillTopic(_will.Topic)
                .WithWillPayload(System.Buffers.BuffersExtensions.ToArray(_will.Payload))
                .WithWillRetain(_will.Retain)
                .WithWillQualityOfServiceLevel(_will.QualityOfServiceLevel);
        }

        var options = builder.Build();

        // In 3.1.1 MQTTnet would throw on the 5.0-only message properties the publisher sets (content type, payload
        // format); without the check it leaves them out of the packet, which is what a 3.1.1 broker needs.
        options.ValidateFeatures = ProtocolVersion == MqttProtocolVersion.V500;

        // MQTTnet fixes the socket's send and receive buffers at 8 KB unless told otherwise, which turns Linux's
        // buffer auto-tuning off: a drained backlog of 60 KB batches then moves a few segments per scheduling round
        // and the rate depends on the machine's load. The kernel caps this at net.core.wmem_max / rmem_max.
        if (options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            tcp.BufferSize = SocketBufferBytes;
        }

        return options;
    }

    private MqttClientTlsOptions BuildTlsOptions()
    {
        var trusted = string.IsNullOrEmpty(_options.CaFile) ? null : MqttTlsFiles.LoadCa(_options.CaFile);
        var tls = new MqttClientTlsOptionsBuilder()
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithCertificateValidationHandler(e => MqttTlsFiles.IsTrustedBroker(e.Certificate, e.Chain, e.SslPolicyErrors, trusted));
        if (trusted is not null)
        {
            // A private CA has no reachable CRL; the broker side revokes kiosk certificates instead (crlfile).
            tls = tls.WithRevocationMode(X509RevocationMode.NoCheck);
        }

        if (!string.IsNullOrEmpty(_options.ClientCertificateFile))
        {
            // Read at every connect so a renewed certificate is picked up; the previous connection is closed by now.
            _clientCertificate?.Dispose();
            _clientCertificate = MqttTlsFiles.LoadClientCertificate(_options.ClientCertificateFile, _options.ClientKeyFile);
            tls = tls.WithClientCertificates([_clientCertificate]);
        }

        return tls.Build();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT {ClientId} connected to {Host}:{Port} ({Protocol})")]
    private partial void LogConnected(string clientId, string host, int port, MqttProtocolVersion protocol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} refused MQTT 5 ({Result}); using MQTT 3.1.1 from now on")]
    private partial void LogFallingBack(string host, int port, MqttClientConnectResultCode result);

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
