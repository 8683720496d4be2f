using System.Globalization;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The audit trail, newest first, by actor and action, a page at a time: admins only, and read-only.</summary>
[Authorize(Policy = Policies.Admin)]
public sealed class AuditModel(IAuditLog audit) : PageModel
{
    public const int PageSize = 100;

    public string? Actor { get; private set; }

    public string? Action { get; private set; }

    public long? Cursor { get; private set; }

    public AuditPage Trail { get; private set; } = new([], null);

    public static IReadOnlyList<string> Actions { get; } =
    [
        AuditActions.SignIn, AuditActions.SignInFailed, AuditActions.UserAdd, AuditActions.UserRole, AuditActions.UserDisable, AuditActions.UserEnable,
        AuditActions.UserPassword, AuditActions.TokenCreate, AuditActions.TokenRevoke, AuditActions.ExportEvents, "trace", "retention-purge",
    ];

    public async Task OnGetAsync(string? actor, string? action, string? cursor, CancellationToken cancellationToken)
    {
        Actor = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim();
        Action = string.IsNullOrWhiteSpace(action) ? null : action.Trim();
        Cursor = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : null;
        Trail = await audit.GetAuditPageAsync(new AuditQuery(Actor, Action, PageSize, Cursor), cancellationToken);
    }

    /// <summary>The filter (and a cursor, when given) as the query of the paging links.</summary>
    public Dictionary<string, string?> RouteValues(long? cursor = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (cursor is { } c)
        {
            values["cursor"] = c.ToString(CultureInfo.InvariantCulture);
        }

        if (Actor is not null)
        {
            values["actor"] = Actor;
        }

        if (Action is not null)
        {
            values["action"] = Action;
        }

        return values;
    }
}
