using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Collecting;

/// <summary>
/// Asks kiosks to resend what central is missing. A gap must still be there one check later before it is asked
/// for, so events that are merely on their way (a kiosk draining its backlog) are not requested twice. A gap asked for
/// is asked again after 1 minute, then 2, 4, … up to a day. When the kiosk answers that it has none of the range (count 0),
/// or has fewer than asked and the rest never comes, the range is marked unrecoverable and no longer asked for.
/// </summary>
public sealed partial class ChainRepairService : BackgroundService
{
    /// <summary>Wait before asking for the same range a second time; doubled after each request.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>Longest wait between two requests for the same range.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(1);

    private readonly ICentralStore _store;
    private readonly IKioskCommandSender _sender;
    private readonly IOptions<CentralOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ChainRepairService> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<GapKey, Attempts> _attempts = [];
    private readonly Dictionary<Guid, GapKey> _commands = [];
    private HashSet<GapKey> _seen = [];
    private long _requested;

    public ChainRepairService(
        ICentralStore store,
        MqttEventCollector collector,
        IOptions<CentralOptions> options,
        TimeProvider time,
        ILogger<ChainRepairService> logger)
        : this(store, (IKioskCommandSender)collector, options, time, logger)
    {
        ArgumentNullException.ThrowIfNull(collector);
        collector.CommandResultReceived += (_, e) => OnCommandResult(e.SiteId, e.KioskId, e.Result);
    }

    internal ChainRepairService(
        ICentralStore store,
        IKioskCommandSender sender,
        IOptions<CentralOptions> options,
        TimeProvider time,
        ILogger<ChainRepairService> logger)
    {
        _store = store;
        _sender = sender;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Resend requests sent since start.</summary>
    public long Requested => Interlocked.Read(ref _requested);

    /// <summary>
    /// One check: requests every gap that was already there at the previous check and whose retry time has come; marks
    /// unrecoverable a gap the kiosk answered short for that is still whole. Returns the requests sent.
    /// </summary>
    public async Task<int> RequestMissingAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var current = new HashSet<GapKey>();
        var due = new List<GapKey>();
        var unrecoverable = new List<GapKey>();
        foreach (var kiosk in (await _store.GetKiosksAsync(cancellationToken)).Where(k => k.Missing > 0))
        {
            foreach (var gap in await _store.GetGapsAsync(kiosk.SiteId, kiosk.KioskId, cancellationToken: cancellationToken))
            {
                var key = new GapKey(kiosk.SiteId, kiosk.KioskId, gap.From, gap.To);
                current.Add(key);
                lock (_lock)
                {
                    if (!_seen.Contains(key))
                    {
                        continue;
                    }

                    if (_attempts.TryGetValue(key, out var asked))
                    {
                        if (now < asked.NextAt)
                        {
                            continue;
                        }

                        if (asked.AnsweredShort)
                        {
                            // Answered with fewer events than the range, and one wait later the range is still whole.
                            Forget(key);
                            unrecoverable.Add(key);
                            continue;
                        }
                    }

                    due.Add(key);
                }
            }
        }

        lock (_lock)
        {
            _seen = current;
            foreach (var gone in _attempts.Keys.Where(k => !current.Contains(k)).ToList())
            {
                _attempts.Remove(gone);
            }

            foreach (var (id, _) in _commands.Where(c => !current.Contains(c.Value)).ToList())
            {
                _commands.Remove(id);
            }
        }

        foreach (var key in unrecoverable)
        {
            await MarkUnrecoverableAsync(key, cancellationToken);
        }

        var sent = 0;
        foreach (var key in due)
        {
            var command = new KioskCommand(Guid.CreateVersion7(now), CommandTypes.Resend, key.From, key.To, now);
            if (!await _sender.PublishCommandAsync(key.Site, key.Kiosk, command, cancellationToken))
            {
                continue;
            }

            sent++;
            Interlocked.Increment(ref _requested);
            int count;
            lock (_lock)
            {
                count = (_attempts.TryGetValue(key, out var previous) ? previous.Count : 0) + 1;
                _attempts[key] = new Attempts(count, now + RetryDelay(count), AnsweredShort: false);
                foreach (var (id, _) in _commands.Where(c => c.Value == key).ToList())
                {
                    _commands.Remove(id);
                }

                _commands[command.CommandId] = key;
            }

            LogResendRequested(key.Site, key.Kiosk, key.From, key.To, count);
        }

        return sent;
    }

    /// <summary>
    /// A kiosk's answer to a resend: none of the range (count 0) marks it unrecoverable at once; fewer than asked marks it
    /// unrecoverable at its next retry time if it is still whole then. Answers to commands central did not send are ignored.
    /// </summary>
    public void OnCommandResult(string site, string kiosk, CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        GapKey? mark = null;
        lock (_lock)
        {
            if (!_commands.TryGetValue(result.CommandId, out var key) || key.Site != site || key.Kiosk != kiosk
                || result is not { Status: "done", Count: { } count })
            {
                return;
            }

            if (count == 0)
            {
                Forget(key);
                mark = key;
            }
            else if (count < key.To - key.From + 1 && _attempts.TryGetValue(key, out var a))
            {
                _attempts[key] = a with { AnsweredShort = true };
            }
        }

        if (mark is not null)
        {
            // Called by the collector for a kiosk's answer: the mark is committed before the answer is acknowledged.
            MarkUnrecoverableAsync(mark, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>The wait after the <paramref name="attempt"/>-th request: 1 minute, doubled each time, at most a day.</summary>
    internal static TimeSpan RetryDelay(int attempt) =>
        attempt >= 12 ? MaxRetryDelay : TimeSpan.FromTicks(Math.Min(FirstRetryDelay.Ticks << (attempt - 1), MaxRetryDelay.Ticks));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Value.ResendCheckInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RequestMissingAsync(stoppingToken);
            }
#pragma warning disable CA1031 // Whatever the store's fault, the next check tries again.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogCheckFailed(ex);
            }
        }
    }

    /// <summary>Stops tracking requests for <paramref name="key"/> (under the lock).</summary>
    private void Forget(GapKey key)
    {
        _attempts.Remove(key);
        foreach (var (id, _) in _commands.Where(c => c.Value == key).ToList())
        {
            _commands.Remove(id);
        }
    }

    private async Task MarkUnrecoverableAsync(GapKey key, CancellationToken cancellationToken)
    {
        await _store.MarkUnrecoverableAsync(key.Site, key.Kiosk, new SeqRange(key.From, key.To), cancellationToken);
        LogUnrecoverable(key.Site, key.Kiosk, key.From, key.To);
    }

    private sealed record GapKey(string Site, string Kiosk, long From, long To);

    private sealed record Attempts(int Count, DateTimeOffset NextAt, bool AnsweredShort);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asked {Site}/{Kiosk} to resend seq {From}–{To} (request {Attempt})")]
    private partial void LogResendRequested(string site, string kiosk, long from, long to, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Site}/{Kiosk} cannot resend seq {From}–{To}: marked unrecoverable, no longer asked for")]
    private partial void LogUnrecoverable(string site, string kiosk, long from, long to);

    [LoggerMessage(Level = LogLevel.Error, Message = "The gap check could not read the store")]
    private partial void LogCheckFailed(Exception ex);
}
