using GateKiosk.Central.Accounts;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;

namespace GateKiosk.Central.People;

/// <summary>What a person's record as typed in a form or a CSV row holds, before it is checked.</summary>
public sealed record StaffInput(string? EmployeeId, string? Name, string? Department, string? Sites, string? Badges, string? Schedule);

/// <summary>How a change to people went: done with the person's id, or refused with the key of a message in <c>Strings</c>.</summary>
public sealed record PeopleChange(bool Done, long Id, string? ErrorKey)
{
    public static PeopleChange Refused(string key) => new(false, 0, key);
}

/// <summary>Who makes a change and from where, for the audit trail.</summary>
public sealed record Actor(string UserName, string? Address, SiteScope Scope);

/// <summary>
/// Adds, changes and removes staff within the acting user's sites, each change in the audit trail (the person by row
/// id, never by name, employee id or badge).
/// </summary>
internal sealed class PeopleService(SqlitePeopleStore store, IAuditLog audit, TimeProvider time)
{
    public SqlitePeopleStore Store => store;

    /// <summary>People with at least one site in <paramref name="scope"/>.</summary>
    public IReadOnlyList<StaffMember> List(SiteScope scope) => [.. store.List().Where(p => scope.AllowsAny(p.Sites))];

    /// <summary>Checks <paramref name="input"/>; a valid record (id 0) or the key of what is wrong.</summary>
    public static (StaffMember? Person, string? ErrorKey) Check(StaffInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var employeeId = (input.EmployeeId ?? "").Trim();
        var name = (input.Name ?? "").Trim();
        var department = (input.Department ?? "").Trim();
        var sites = List(input.Sites);
        var badges = List(input.Badges);
        if (employeeId.Length is 0 or > StaffMember.MaxEmployeeIdLength || employeeId.Any(char.IsControl))
        {
            return (null, "People.Error.EmployeeId");
        }

        if (name.Length is 0 or > StaffMember.MaxNameLength || name.Any(char.IsControl))
        {
            return (null, "People.Error.Name");
        }

        if (department.Length > StaffMember.MaxDepartmentLength || department.Any(char.IsControl))
        {
            return (null, "People.Error.Department");
        }

        if (sites.Count == 0 || sites.Any(s => s != "*" && !Ids.IsValid(s)))
        {
            return (null, "People.Error.Sites");
        }

        if (badges.Count > StaffMember.MaxBadges || badges.Any(b => !BadgeAllowlistVerifier.IsBadgeNumber(b)) || badges.Distinct(StringComparer.Ordinal).Count() != badges.Count)
        {
            return (null, "People.Error.Badge");
        }

        if (StaffSchedule.Parse(input.Schedule) is not { } schedule)
        {
            return (null, "People.Error.Schedule");
        }

        return (new StaffMember(0, employeeId, name, department, sites, badges, StaffSchedule.Format(schedule)), null);
    }

    /// <summary>Adds a person (<paramref name="id"/> 0) or changes one, when both the old and the new sites are the actor's.</summary>
    public async Task<PeopleChange> SaveAsync(long id, StaffInput input, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var (person, error) = Check(input);
        if (person is null)
        {
            return PeopleChange.Refused(error!);
        }

        if (!actor.Scope.AllowsAll(person.Sites))
        {
            return PeopleChange.Refused("People.Error.NotYourSites");
        }

        if (id != 0)
        {
            if (store.Find(id) is not { } old)
            {
                return PeopleChange.Refused("People.Error.Gone");
            }

            if (!actor.Scope.AllowsAll(old.Sites))
            {
                return PeopleChange.Refused("People.Error.NotYourSites");
            }
        }

        var saved = store.Save(person with { Id = id }, time.GetUtcNow());
        if (saved is not { } newId)
        {
            return PeopleChange.Refused(id != 0 && store.Find(id) is null ? "People.Error.Gone" : "People.Error.Taken");
        }

        await AuditAsync(actor, id == 0 ? "person-add" : "person-change", $"person={newId} sites={string.Join(',', person.Sites)} badges={person.Badges.Count}", cancellationToken);
        return new PeopleChange(true, newId, null);
    }

    /// <summary>Removes a person whose sites are all the actor's.</summary>
    public async Task<PeopleChange> RemoveAsync(long id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (store.Find(id) is not { } person)
        {
            return PeopleChange.Refused("People.Error.Gone");
        }

        if (!actor.Scope.AllowsAll(person.Sites))
        {
            return PeopleChange.Refused("People.Error.NotYourSites");
        }

        if (!store.Remove(id))
        {
            return PeopleChange.Refused("People.Error.Gone");
        }

        await AuditAsync(actor, "person-remove", $"person={id} badges={person.Badges.Count}", cancellationToken);
        return new PeopleChange(true, id, null);
    }

    /// <summary>
    /// Adds or updates (by employee id) each row of a staff CSV; rows that fail are listed by line and left out. One audit
    /// record for the whole import.
    /// </summary>
    public async Task<ImportResult> ImportAsync(TextReader csv, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var added = 0;
        var changed = 0;
        var errors = new List<(int Line, string ErrorKey)>();
        foreach (var (line, input) in PeopleCsv.Read(csv))
        {
            if (input is null)
            {
                errors.Add((line, "People.Error.CsvHeader"));
                break;
            }

            var (person, error) = Check(input);
            if (person is null)
            {
                errors.Add((line, error!));
                continue;
            }

            var existing = store.FindByEmployeeId(person.EmployeeId);
            if (!actor.Scope.AllowsAll(person.Sites) || (existing is not null && !actor.Scope.AllowsAll(existing.Sites)))
            {
                errors.Add((line, "People.Error.NotYourSites"));
                continue;
            }

            if (store.Save(person with { Id = existing?.Id ?? 0 }, time.GetUtcNow()) is null)
            {
                errors.Add((line, "People.Error.Taken"));
                continue;
            }

            if (existing is null)
            {
                added++;
            }
            else
            {
                changed++;
            }
        }

        await AuditAsync(actor, "people-import", $"added={added} changed={changed} refused={errors.Count}", cancellationToken);
        return new ImportResult(added, changed, errors);
    }

    /// <summary>The people of the actor's sites as export rows under <see cref="PeopleCsv.Header"/> (sites and badges separated by spaces).</summary>
    public IEnumerable<object?[]> ExportRows(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return List(actor.Scope).Select(p => new object?[] { p.EmployeeId, p.Name, p.Department, string.Join(' ', p.Sites), string.Join(' ', p.Badges), p.Schedule });
    }

    /// <summary>Records an export of the actor's people with its format and row count.</summary>
    public Task AuditExportAsync(Actor actor, string format, long rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return AuditAsync(actor, "people-export", $"format={format} scope={ScopeText(actor.Scope)} rows={rows}", cancellationToken);
    }

    /// <summary>Appends a record of <paramref name="action"/> by <paramref name="actor"/>, with the address it came from.</summary>
    public Task AuditAsync(Actor actor, string action, string detail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return audit.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), actor.UserName, action, $"{detail} from={actor.Address ?? "-"}"), cancellationToken);
    }

    internal static string ScopeText(SiteScope scope) => scope.All ? "*" : string.Join(',', scope.Sites.Order(StringComparer.Ordinal));

    private static List<string> List(string? text) =>
        [.. (text ?? "").Split([',', ';', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

/// <summary>What an import did: rows added, rows changed, and each refused row's line and message key.</summary>
public sealed record ImportResult(int Added, int Changed, IReadOnlyList<(int Line, string ErrorKey)> Errors);
