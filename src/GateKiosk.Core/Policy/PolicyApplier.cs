using System.Security.Cryptography;
using GateKiosk.Core.Credentials.Signed;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Core.Policy;

/// <summary>What became of one bundle offered to the kiosk.</summary>
/// <param name="Applied">True when it is now in force.</param>
/// <param name="Rejection">Why it was refused (<see cref="PolicyRejections"/>); null when applied or unchanged.</param>
/// <param name="Version">The version the bundle said, when it could be read.</param>
public sealed record PolicyOffer(bool Applied, string? Rejection, long? Version)
{
    /// <summary>The bundle in force, delivered again (a retained message after a reconnect): nothing to do.</summary>
    public bool Unchanged => !Applied && Rejection is null;
}

/// <summary>
/// Checks a bundle from the broker and puts it in force: signature by the policy key, this site, a version above the one
/// applied, issued no further ahead than the clock leeway. A good bundle is first written to the data folder
/// (<c>policy.cose</c>, replaced atomically), so the kiosk starts with it offline and never goes back below its version;
/// then it is swapped in between two scans. Every outcome is logged and journaled, except the same bundle again.
/// </summary>
public sealed partial class PolicyApplier
{
    /// <summary>The stored bundle's file name in the data folder.</summary>
    public const string FileName = "policy.cose";

    private readonly PolicyState _state;
    private readonly TrustedKey? _key;
    private readonly PolicyOptions _options;
    private readonly string _siteId;
    private readonly string _kioskId;
    private readonly string _file;
    private readonly Action<string>? _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _offers = new();

    /// <param name="state">Where the policy in force is held.</param>
    /// <param name="options">The policy key and limits; without a key file nothing is ever applied.</param>
    /// <param name="kiosk">This kiosk's site, id and data folder.</param>
    /// <param name="journal">Journals a system event with the given detail (the pipeline's <see cref="GatePipeline.RecordSystemEvent"/>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The log.</param>
    public PolicyApplier(PolicyState state, PolicyOptions options, KioskOptions kiosk, Action<string>? journal, TimeProvider time, ILogger<PolicyApplier> logger)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kiosk);
        _state = state;
        _options = options;
        _key = options.IsEnabled() ? options.LoadKey() : null;
        _siteId = kiosk.SiteId;
        _kioskId = kiosk.KioskId;
        _file = Path.Combine(kiosk.DataDirectory, FileName);
        _journal = journal;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when a policy key is configured: the kiosk listens for its site's policy.</summary>
    public bool Enabled => _key is not null;

    /// <summary>The version in force.</summary>
    public long Version => _state.Version;

    /// <summary>
    /// Puts the stored bundle in force at start, before the first scan. It was accepted before, so only its signature and
    /// site are checked again: the clock may not be set yet on a Pi without network. A missing or damaged file leaves the
    /// kiosk on its configuration.
    /// </summary>
    public bool LoadStored()
    {
        lock (_offers)
        {
            if (_key is null || !File.Exists(_file))
            {
                return false;
            }

            byte[] wire;
            try
            {
                wire = File.ReadAllBytes(_file);
            }
            catch (IOException ex)
            {
                LogStoredUnreadable(ex.Message);
                return false;
            }

            var (bundle, rejection) = wire.Length > _options.MaxBundleBytes ? (null, PolicyRejections.TooLarge) : PolicyReader.Open(wire, _key, _options.MaxInflatedBytes);
            if (bundle is null || bundle.SiteId != _siteId)
            {
                LogStoredRejected(rejection ?? PolicyRejections.WrongSite);
                return false;
            }

            _state.Swap(Derive(bundle, wire));
            LogLoaded(bundle.Version, bundle.BadgeCount);
            return true;
        }
    }

    /// <summary>Checks and applies one bundle as it came from the broker; never throws for bad input.</summary>
    public PolicyOffer Offer(ReadOnlyMemory<byte> wire)
    {
        lock (_offers)
        {
            if (_key is null)
            {
                return new PolicyOffer(false, null, null);
            }

            if (wire.Length > _options.MaxBundleBytes)
            {
                return Reject(PolicyRejections.TooLarge, null);
            }

            var started = _time.GetTimestamp();
            var digest = SHA256.HashData(wire.Span);
            if (_state.Current is { } current && current.Digest.AsSpan().SequenceEqual(digest))
            {
                return new PolicyOffer(false, null, current.Bundle.Version);
            }

            var (bundle, rejection) = PolicyReader.Open(wire, _key, _options.MaxInflatedBytes);
            if (bundle is null)
            {
                return Reject(rejection!, null);
            }

            if (bundle.SiteId != _siteId)
            {
                return Reject(PolicyRejections.WrongSite, bundle.Version);
            }

            if (bundle.Version <= _state.Version)
            {
                return Reject(PolicyRejections.NotNewer, bundle.Version);
            }

            if (bundle.IssuedAt > _time.GetUtcNow() + _options.ClockLeeway)
            {
                return Reject(PolicyRejections.IssuedInFuture, bundle.Version);
            }

            try
            {
                Store(wire.Span);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // In force anyway: refusing a newer policy because the card is full would keep revoked badges working.
                LogNotStored(bundle.Version, ex.Message);
            }

            var previous = _state.Version;
            _state.Swap(Derive(bundle, wire.Span, digest));
            var took = _time.GetElapsedTime(started);
            LogApplied(bundle.Version, previous, bundle.BadgeCount, wire.Length, took.TotalMilliseconds);
            _journal?.Invoke($"policy-applied version={bundle.Version} previous={previous}");
            return new PolicyOffer(true, null, bundle.Version);
        }
    }

    private PolicyOffer Reject(string reason, long? version)
    {
        LogRejected(reason, version ?? 0, _state.Version);
        _journal?.Invoke($"policy-rejected reason={reason} version={version ?? 0} applied={_state.Version}");
        return new PolicyOffer(false, reason, version);
    }

    private AppliedPolicy Derive(PolicyBundle bundle, ReadOnlySpan<byte> wire, byte[]? digest = null) => new(
        bundle,
        digest ?? SHA256.HashData(wire),
        bundle.DoorOf(_kioskId)?.AcceptedKinds is { } kinds ? new HashSet<string>(kinds, StringComparer.Ordinal) : null,
        new HashSet<string>(bundle.Revoked, StringComparer.Ordinal),
        _time.GetUtcNow());

    /// <summary>Writes next to the file, flushes to the disk, then renames over it: a power cut leaves the old or the new bundle.</summary>
    private void Store(ReadOnlySpan<byte> wire)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        var temp = _file + ".new";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(wire);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, _file, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy version {Version} applied (was {Previous}): {Badges} badges, {Bytes} bytes, verified, stored and applied in {Milliseconds:F1} ms")]
    private partial void LogApplied(long version, long previous, int badges, int bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy version {Version} loaded from the data folder: {Badges} badges")]
    private partial void LogLoaded(long version, int badges);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy bundle rejected ({Reason}): version {Version}, applied {Applied}")]
    private partial void LogRejected(string reason, long version, long applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored policy not used ({Reason}); running on the configuration until central sends one")]
    private partial void LogStoredRejected(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored policy unreadable ({Error}); running on the configuration until central sends one")]
    private partial void LogStoredUnreadable(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy version {Version} is in force but could not be stored ({Error}); a restart would start with the previous one")]
    private partial void LogNotStored(long version, string error);
}
