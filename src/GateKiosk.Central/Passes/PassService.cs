using System.Globalization;
using System.Security.Cryptography;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.People;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Passes;

/// <summary>What a visitor pass is issued for, as typed on the Passes page.</summary>
public sealed record VisitorPassInput(string? Name, string? Host, string? Date, string? Site, bool SingleUse);

/// <summary>How issuing or revoking went: done with the pass's register id, or refused with the key of a message in <c>Strings</c>.</summary>
public sealed record PassChange(bool Done, long Id, string? ErrorKey)
{
    public static PassChange Refused(string key) => new(false, 0, key);
}

/// <summary>
/// Issues staff and visitor passes from the pages (the same signed codes <c>pass issue</c> makes, with the organisation's
/// active key), keeps them in the register, and revokes them; each within the acting user's sites and in the audit
/// trail by register id and kind, never by name or subject.
/// </summary>
internal sealed class PassService(SqlitePassStore store, SqlitePeopleStore people, PeopleService audit, PresenceService presence, IOptions<CentralOptions> central, IOptions<DeclarationOptions> declarations, TimeProvider time)
{
    /// <summary>Longest visitor name kept.</summary>
    public const int MaxNameLength = 100;

    /// <summary>How long a staff pass is valid.</summary>
    public static readonly TimeSpan StaffValidity = TimeSpan.FromDays(365);

    /// <summary>How far ahead a visitor may be expected.</summary>
    public const int MaxDaysAhead = 90;

    private readonly IssuerKeyStore _keys = new(central.Value.DataDirectory);
    private readonly Lock _keyLock = new();

    public SqlitePassStore Store => store;

    /// <summary>True when the organisation has a signing key (made with <c>pass key create</c>).</summary>
    public bool HasKey => _keys.ActiveKeyId is not null;

    /// <summary>The newest passes of which every site is in the actor's scope.</summary>
    public IReadOnlyList<IssuedPass> List(Actor actor, int max = 200)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return [.. store.Latest(5_000).Where(p => actor.Scope.AllowsAll(p.Sites)).Take(max)];
    }

    /// <summary>Ids of the revoked, unexpired passes of the actor's sites.</summary>
    public IReadOnlyList<string> RevokedIds(Actor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var ids = store.RevokedIds(now);
        return actor.Scope.All ? ids : [.. ids.Where(id => store.FindByPassId(id) is { } p && actor.Scope.AllowsAll(p.Sites))];
    }

    /// <summary>The pass <paramref name="id"/> when the actor may see it.</summary>
    public IssuedPass? Find(long id, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return store.Find(id) is { } pass && actor.Scope.AllowsAll(pass.Sites) ? pass : null;
    }

    /// <summary>A staff pass for the person with <paramref name="employeeId"/>: their sites and schedule, valid for a year.</summary>
    public async Task<PassChange> IssueStaffAsync(string? employeeId, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.IsNullOrWhiteSpace(employeeId) || people.FindByEmployeeId(employeeId.Trim()) is not { } person)
        {
            return PassChange.Refused("Passes.Error.Person");
        }

        if (!actor.Scope.AllowsAll(person.Sites))
        {
            return PassChange.Refused("People.Error.NotYourSites");
        }

        var now = time.GetUtcNow();
        return await IssueAsync(
            CredentialKinds.StaffPass, person.EmployeeId, person.Name, null, person.Sites, now, now + StaffValidity, false,
            StaffSchedule.Parse(person.Schedule) ?? [], actor, cancellationToken);
    }

    /// <summary>A visitor pass for one site, valid on the expected day (in the site's time zone) from now or its start.</summary>
    public async Task<PassChange> IssueVisitorAsync(VisitorPassInput input, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(actor);
        var name = (input.Name ?? "").Trim();
        var host = (input.Host ?? "").Trim();
        var site = (input.Site ?? "").Trim();
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
        {
            return PassChange.Refused("Passes.Error.Name");
        }

        if (host.Length > StaffMember.MaxEmployeeIdLength || host.Any(char.IsControl))
        {
            return PassChange.Refused("Passes.Error.Host");
        }

        if (!Ids.IsValid(site))
        {
            return PassChange.Refused("People.Error.Sites");
        }

        if (!actor.Scope.Allows(site))
        {
            return PassChange.Refused("People.Error.NotYourSites");
        }

        var zone = presence.ZoneOf(site);
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        if (!DateOnly.TryParseExact(input.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            || date < today || date.DayNumber - today.DayNumber > MaxDaysAhead)
        {
            return PassChange.Refused("Passes.Error.Date");
        }

        var clock = new Tracing.SiteClock(zone);
        var start = clock.StartOf(date);
        var end = clock.StartOf(date.AddDays(1));
        return await IssueAsync(
            CredentialKinds.VisitorPass, "v-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), name, host.Length == 0 ? null : host, [site],
            start > now ? start : now, end, input.SingleUse, [], actor, cancellationToken);
    }

    /// <summary>Revokes a pass of the actor's sites.</summary>
    public async Task<PassChange> RevokeAsync(long id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (Find(id, actor) is not { } pass)
        {
            return PassChange.Refused("Passes.Error.Gone");
        }

        if (!store.Revoke(id, actor.UserName, time.GetUtcNow()))
        {
            return PassChange.Refused("Passes.Error.Revoked");
        }

        await audit.AuditAsync(actor, "pass-revoke", $"pass={id} kind={pass.Kind} sites={string.Join(',', pass.Sites)}", cancellationToken);
        return new PassChange(true, id, null);
    }

    private async Task<PassChange> IssueAsync(
        string kind, string subject, string holder, string? host, IReadOnlyList<string> siteIds, DateTimeOffset from, DateTimeOffset until, bool singleUse,
        IReadOnlyList<ScheduleWindow> schedule, Actor actor, CancellationToken cancellationToken)
    {
        if (_keys.ActiveKeyId is not { } kid)
        {
            return PassChange.Refused("Passes.Error.NoKey");
        }

        var now = time.GetUtcNow();
        var pass = new GateKioskPass
        {
            Kind = kind,
            Issuer = declarations.Value.Issuer,
            Subject = subject,
            PassId = RandomNumberGenerator.GetBytes(16),
            IssuedAt = now,
            NotBefore = from,
            Expires = until,
            Sites = siteIds,
            Host = host,
            SingleUse = singleUse,
            Schedule = schedule,
        };
        string code;
        lock (_keyLock)
        {
            using var key = _keys.Load(kid);
            code = SignedCodeWriter.Write(pass, key, Convert.FromHexString(kid));
        }

        var id = store.Add(new IssuedPass(0, pass.PassIdHex, kind, subject, holder, host, siteIds, from, until, singleUse, code, actor.UserName, now, null, null));
        await audit.AuditAsync(actor, "pass-issue", $"pass={id} kind={kind} sites={string.Join(',', siteIds)} until={until.UtcDateTime:yyyy-MM-ddTHH:mmZ}", cancellationToken);
        return new PassChange(true, id, null);
    }

    /// <summary>The time zone of <paramref name="site"/>.</summary>
    public TimeZoneInfo ZoneOf(string site) => presence.ZoneOf(site);
}
