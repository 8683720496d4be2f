namespace GateKiosk.Central.People;

/// <summary>A member of staff as central keeps them: who they are, where they may go and which badges they carry.</summary>
/// <param name="Id">Row id; stable for the record's life (the audit trail names people by it, never by name).</param>
/// <param name="EmployeeId">The organisation's employee number; unique without letter case.</param>
/// <param name="Name">Full name, as the pages show it.</param>
/// <param name="Department">Department or unit; may be empty.</param>
/// <param name="Sites">Site ids the person may enter; <c>*</c> is every site.</param>
/// <param name="Badges">Plain badge numbers (1–64 of <c>[A-Za-z0-9-]</c>); each belongs to one person.</param>
/// <param name="Schedule">When the badges open, as written (<see cref="StaffSchedule"/>); empty for always.</param>
public sealed record StaffMember(
    long Id,
    string EmployeeId,
    string Name,
    string Department,
    IReadOnlyList<string> Sites,
    IReadOnlyList<string> Badges,
    string Schedule)
{
    public const int MaxEmployeeIdLength = 64;

    public const int MaxNameLength = 200;

    public const int MaxDepartmentLength = 200;

    public const int MaxBadges = 20;

    /// <summary>True when the person may enter <paramref name="site"/>.</summary>
    public bool MayEnter(string site) => Sites.Any(s => s == "*" || s == site);
}

/// <summary>A guard's mark that a person on site was seen safe at a muster.</summary>
/// <param name="Kind">The credential kind of the person's events.</param>
/// <param name="Subject">The credential subject of the person's events.</param>
/// <param name="MarkedBy">The guard's user name.</param>
public sealed record SafeMark(string SiteId, string Kind, string Subject, string MarkedBy, DateTimeOffset MarkedAt);
