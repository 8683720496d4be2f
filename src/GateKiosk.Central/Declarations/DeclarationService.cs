using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Passes;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Journaling;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Declarations;

/// <summary>The outcome of a submission: a pass, or the field that is wrong, or no issuer key.</summary>
internal sealed record DeclarationOutcome(DeclarationReply? Reply, DeclarationError? Error, bool NoIssuerKey = false);

/// <summary>
/// Turns a site's answers into a same-day <c>GKH1:</c> pass signed with the active issuer key, stores the answers, and
/// records the visit as a <c>check-in</c> event of source <c>web</c> (kiosk id <see cref="WebKioskId"/>) in the event store.
/// </summary>
internal sealed partial class DeclarationService : IDisposable
{
    /// <summary>The kiosk id of web check-ins: each site's web visits form one gapless, hash-chained sequence.</summary>
    public const string WebKioskId = "web";

    private readonly SqliteSiteStore _sites;
    private readonly IIngestWriter _events;
    private readonly TimeProvider _time;
    private readonly ILogger<DeclarationService> _logger;
    private readonly IssuerKeyStore _issuer;
    private readonly SubjectKey _subjects;
    private readonly string _issuerName;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly Lock _keyLock = new();
    private (string Kid, AsymmetricAlgorithm Key)? _signer;

    /// <summary>How long answers are kept when <c>Central:PersonalDataRetention</c> is not set.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(30);

    private readonly TimeSpan _retention;
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    public DeclarationService(SqliteSiteStore sites, IIngestWriter events, IOptions<CentralOptions> central, IOptions<DeclarationOptions> options, TimeProvider time, ILogger<DeclarationService> logger, IConfiguration? configuration = null)
    {
        // Read by name: the key belongs to the retention of all personal data, not to declarations alone.
        _retention = configuration?.GetValue<TimeSpan?>("Central:PersonalDataRetention") is { } retention && retention > TimeSpan.Zero ? retention : DefaultRetention;
        ArgumentNullException.ThrowIfNull(central);
        ArgumentNullException.ThrowIfNull(options);
        _sites = sites;
        _events = events;
        _time = time;
        _logger = logger;
        _issuer = new IssuerKeyStore(central.Value.DataDirectory);
        _subjects = new SubjectKey(central.Value.DataDirectory);
        _issuerName = options.Value.Issuer;
    }

    public SqliteSiteStore Sites => _sites;

    public async Task<DeclarationOutcome> SubmitAsync(Site site, DeclarationAnswers given, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        var now = _time.GetUtcNow();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        if (DeclarationInput.Check(given, site.Form, local.Year, out var answers) is { } error)
        {
            return new DeclarationOutcome(null, error);
        }

        var status = (site.Form.ReferOnSymptoms && answers.Symptoms.Count > 0) || (site.Form.ReferOnContact && answers.Contact == true)
            ? HealthStatuses.Refer
            : HealthStatuses.Clear;
        var subject = _subjects.Subject(DeclarationInput.SubjectText(answers));
        if (Signer() is not { } signer)
        {
            return new DeclarationOutcome(null, null, NoIssuerKey: true);
        }

        var midnight = local.Date.AddDays(1);
        var pass = new GateKioskPass
        {
            Kind = CredentialKinds.HealthDeclaration,
            Issuer = _issuerName,
            Subject = subject,
            PassId = RandomNumberGenerator.GetBytes(16),
            IssuedAt = now,
            NotBefore = now,
            Expires = new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)),
            Sites = [site.Id],
            Status = status,
        };
        string code;
        lock (_keyLock)
        {
            code = SignedCodeWriter.Write(pass, signer.Key, Convert.FromHexString(signer.Kid));
        }

        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (now >= _nextPurge)
            {
                // At most once an hour: answers older than the retention period are deleted.
                _sites.DeleteDeclarationsBefore(now - _retention);
                _nextPurge = now + TimeSpan.FromHours(1);
            }

            _sites.AddDeclaration(site.Id, now, subject, status, pass.PassIdHex, JsonSerializer.Serialize(answers, DeclarationJson.Default.DeclarationAnswers));
            await CheckInAsync(site.Id, now, subject, status);
        }
        finally
        {
            _writes.Release();
        }

        var subjectHash = ShortHash(subject);
        LogDeclared(_logger, site.Id, status, subjectHash);
        return new DeclarationOutcome(new DeclarationReply(code, pass.Expires.ToOffset(zone.GetUtcOffset(midnight)), status), null);
    }

    public void Dispose()
    {
        _writes.Dispose();
        _signer?.Key.Dispose();
    }

    /// <summary>The visit, as the next event of the site's web sequence; a store that refuses it leaves the pass valid.</summary>
    private async Task CheckInAsync(string siteId, DateTimeOffset at, string subject, string status)
    {
        var (seq, hash) = _sites.WebChain(siteId);
        var chained = EventChain.Seal(
            new EventDraft
            {
                OccurredAt = at,
                TimeSource = TimeSources.Ntp,
                Type = EventTypes.CheckIn,
                Direction = "in",
                Reason = status == HealthStatuses.Clear ? ReasonCodes.Valid : ReasonCodes.HealthDeclarationRefer,
                Credential = new CredentialRef(CredentialKinds.HealthDeclaration, _issuerName, subject),
            },
            siteId,
            WebKioskId,
            seq + 1,
            hash ?? EventChain.Genesis,
            Guid.CreateVersion7(at));
        var entry = chained with { Source = EventSources.Web };
        var payload = EventChain.Serialize(entry);
        try
        {
            await _events.StoreAsync([(entry, payload)]);
            _sites.SetWebChain(siteId, entry.Seq, EventChain.Hash(payload));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCheckInNotStored(_logger, siteId, ex.GetType().Name);
        }
    }

    private (string Kid, AsymmetricAlgorithm Key)? Signer()
    {
        var kid = _issuer.ActiveKeyId;
        if (kid is null)
        {
            return null;
        }

        lock (_keyLock)
        {
            if (_signer is not { } current || current.Kid != kid)
            {
                var key = _issuer.Load(kid);
                _signer?.Key.Dispose();
                _signer = (kid, key);
            }

            return _signer;
        }
    }

    private static string ShortHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];

    [LoggerMessage(Level = LogLevel.Information, Message = "Declaration at site {Site}: {Status}, subject #{SubjectHash}")]
    private static partial void LogDeclared(ILogger logger, string site, string status, string subjectHash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web check-in at site {Site} was not stored ({Fault}); the declaration and its pass are")]
    private static partial void LogCheckInNotStored(ILogger logger, string site, string fault);
}
