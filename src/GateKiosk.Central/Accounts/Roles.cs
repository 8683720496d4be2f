namespace GateKiosk.Central.Accounts;

/// <summary>The roles of central's users. A user has exactly one.</summary>
public static class Roles
{
    /// <summary>Everything, including users.</summary>
    public const string Admin = "admin";

    /// <summary>People, badges, passes and exports for their sites.</summary>
    public const string Manager = "manager";

    /// <summary>The live view, presence and muster for their sites, and marking people safe.</summary>
    public const string Guard = "guard";

    /// <summary>Tracing and health exports.</summary>
    public const string Health = "health";

    /// <summary>Read-only events without personal fields.</summary>
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Manager, Guard, Health, Viewer];

    public static bool IsValid(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);
}
