using System.Buffers;
using System.Threading.Channels;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.People;
using GateKiosk.Contracts;
using GateKiosk.Core.Policy;
using GateKiosk.Hosting;
using GateKiosk.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Policy;

/// <summary>
/// Keeps each site's retained policy on the broker current: at every connect it publishes every site, and after a change
/// to people or badges (debounced by <c>Policy:Debounce</c>) it compiles every site again and publishes those whose
/// content changed, each with the next version. A site's version only grows (<see cref="PublishedPolicyStore"/>); a site
/// that loses its last person gets an empty bundle, so its kiosks stop admitting.
/// </summary>
internal sealed partial class PolicyPublisher : BackgroundService
{
    private readonly SqlitePeopleStore _people;
    private readonly SqliteSiteStore _sites;
    private readonly PublishedPolicyStore _published;
    private readonly PolicyKeys _keys;
    private readonly PolicyPublishOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PolicyPublisher> _logger;
    private readonly MqttLink _link;
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly MqttOptions _mqtt;

    public PolicyPublisher(
        SqlitePeopleStore people,
        SqliteSiteStore sites,
        PublishedPolicyStore published,
        PolicyKeys keys,
        IOptions<PolicyPublishOptions> options,
        IOptions<MqttOptions> mqtt,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(people);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(loggers);
        _people = people;
        _sites = sites;
        _published = published;
        _keys = keys;
        _options = options.Value;
        _mqtt = mqtt.Value;
        _time = time;
        _logger = loggers.CreateLogger<PolicyPublisher>();
        var clientId = $"gatekiosk-central-policy-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}";
        _link = new MqttLink(_mqtt, clientId, null, loggers.CreateLogger<MqttLink>(), time);
        people.Changed += () => _changes.Writer.TryWrite(true);
    }

    /// <summary>Bundles published since start.</summary>
    public long Published { get; private set; }

    public override void Dispose()
    {
        _link.Dispose();
        base.Dispose();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _link.DisconnectAsync();
    }

    /// <summary>
    /// Compiles every site and signs a new version of those whose content changed, recording it; returns what to publish
    /// (every site when <paramref name="all"/>, else only the new versions).
    /// </summary>
    public IReadOnlyList<PublishedPolicy> Compile(bool all)
    {
        var people = _people.List();
        var previous = _published.List().ToDictionary(p => p.SiteId, StringComparer.Ordinal);
        var sites = new SortedSet<string>(StringComparer.Ordinal);
        sites.UnionWith(_sites.List().Select(s => s.Id));
        sites.UnionWith(people.SelectMany(p => p.Sites).Where(Ids.IsValid));
        sites.UnionWith(previous.Keys);
        var result = new List<PublishedPolicy>();
        foreach (var site in sites)
        {
            var bundle = PolicyCompiler.Compile(site, people, _keys.BadgeHashKey);
            var hash = PolicyCompiler.ContentHash(bundle);
            previous.TryGetValue(site, out var last);
            if (last is not null && last.ContentHash.AsSpan().SequenceEqual(hash))
            {
                if (all)
                {
                    result.Add(last);
                }

                continue;
            }

            var issued = bundle with { Version = (last?.Version ?? 0) + 1, IssuedAt = _time.GetUtcNow() };
            var signed = new PublishedPolicy(site, issued.Version, issued.IssuedAt, hash, PolicySigner.Sign(issued, _keys.SigningKey));
            _published.Save(signed);
            LogCompiled(site, issued.Version, issued.BadgeCount, signed.Bundle.Length);
            result.Add(signed);
        }

        return result;
    }

    /// <summary>Sends a signed door command to one kiosk (QoS 1, never retained); false when the broker is not reachable now.</summary>
    public async Task<bool> SendCommandAsync(string site, string kiosk, byte[] signed, CancellationToken cancellationToken)
    {
        if (!_link.IsConnected)
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_mqtt.Timeout);
        try
        {
            var result = await _link.Client.PublishAsync(
                new MqttApplicationMessage
                {
                    Topic = Topics.Command(site, kiosk),
                    Payload = new ReadOnlySequence<byte>(signed),
                    QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                    ContentType = "application/cose",
                },
                timeout.Token);
            return result.IsSuccess;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _link.RunAsync(SessionAsync, stoppingToken);

    private async Task SessionAsync(CancellationToken sessionToken)
    {
        // At each connect every site goes out again: a broker that lost its retained messages gets them back.
        await PublishAsync(Compile(all: true), sessionToken);
        while (!sessionToken.IsCancellationRequested && _link.IsConnected)
        {
            await _changes.Reader.ReadAsync(sessionToken);
            if (_options.Debounce > TimeSpan.Zero)
            {
                await Task.Delay(_options.Debounce, _time, sessionToken);
            }

            _changes.Reader.TryRead(out _);
            await PublishAsync(Compile(all: false), sessionToken);
        }
    }

    private async Task PublishAsync(IReadOnlyList<PublishedPolicy> bundles, CancellationToken sessionToken)
    {
        foreach (var bundle in bundles)
        {
            var message = new MqttApplicationMessage
            {
                Topic = Topics.Policy(bundle.SiteId),
                Payload = new ReadOnlySequence<byte>(bundle.Bundle),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                Retain = true,
                ContentType = "application/cose",
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
            timeout.CancelAfter(_mqtt.Timeout);
            var result = await _link.Client.PublishAsync(message, timeout.Token);
            if (!result.IsSuccess)
            {
                throw new MqttRefusedException($"policy of {bundle.SiteId} refused: {result.ReasonCode} {result.ReasonString}");
            }

            Published++;
            LogPublished(bundle.SiteId, bundle.Version, bundle.Bundle.Length);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy of site {Site}: version {Version}, {Badges} badges, {Bytes} bytes signed")]
    private partial void LogCompiled(string site, long version, int badges, int bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Policy of site {Site} version {Version} published ({Bytes} bytes, retained)")]
    private partial void LogPublished(string site, long version, int bytes);
}

/// <summary>Registers the policy publisher.</summary>
internal static class PolicyServices
{
    /// <summary>The published-policy store and keys; the publisher itself runs when <paramref name="publish"/> (<c>Policy:Publish</c>).</summary>
    public static IServiceCollection AddPolicyPublishing(this IServiceCollection services, bool publish)
    {
        services.AddValidatedOptions<PolicyPublishOptions, PolicyPublishOptionsValidator>(PolicyPublishOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddSingleton(sp => new PublishedPolicyStore(Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton(sp => new PolicyKeys(
            sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory,
            sp.GetRequiredService<IOptions<PolicyPublishOptions>>().Value.BadgeHashKey));
        services.AddSingleton<PolicyPublisher>();
        if (publish)
        {
            services.AddHostedService(sp => sp.GetRequiredService<PolicyPublisher>());
        }

        return services;
    }
}
