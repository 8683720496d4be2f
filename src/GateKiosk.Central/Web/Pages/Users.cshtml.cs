using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace GateKiosk.Central.Web.Pages;

/// <summary>Central's users, and a form to add one: admins only.</summary>
[Authorize(Policy = Policies.Admin)]
public sealed class UsersModel(AccountService accounts, IStringLocalizer<Strings> strings, AuditTrail audit) : PageModel
{
    public IReadOnlyList<Account> Accounts { get; private set; } = [];

    public string? Message { get; private set; }

    public bool Added { get; private set; }

    public string? ChangeMessage { get; private set; }

    public bool Changed { get; private set; }

    public void OnGet() => Accounts = accounts.Store.List();

    public Task OnPostRoleAsync(string? userName, string? role) =>
        ChangeAsync(userName, static (a, u, r) => a.SetRole(u, r!), role, AuditActions.UserRole, AuditTrail.Pairs(("user", userName), ("role", role)));

    public Task OnPostDisabledAsync(string? userName, bool disabled) =>
        ChangeAsync(userName, static (a, u, d) => a.SetDisabled(u, d == "true"), disabled ? "true" : "false", disabled ? AuditActions.UserDisable : AuditActions.UserEnable, AuditTrail.Pairs(("user", userName)));

    public Task OnPostPasswordAsync(string? userName, string? password) =>
        ChangeAsync(userName, static (a, u, p) => a.ResetPassword(u, p ?? ""), password, AuditActions.UserPassword, AuditTrail.Pairs(("user", userName)), allowSelf: true);

    /// <summary>
    /// Applies a change and says how it went. An admin may not change their own role or disable themselves here, so
    /// the last admin cannot lock everyone out by a slip (the command line can still do it).
    /// </summary>
    private async Task ChangeAsync(string? userName, Func<AccountService, string, string?, AccountChange> apply, string? value, string action, string detail, bool allowSelf = false)
    {
        var self = string.Equals(userName, User.Identity?.Name, StringComparison.OrdinalIgnoreCase);
        var change = userName is null ? AccountChange.Refused("no user.")
            : self && !allowSelf ? AccountChange.Refused(strings["NotYourself"])
            : apply(accounts, userName, value);
        Changed = change.Done;
        ChangeMessage = change.Done ? strings["UserChanged"] : change.Error;
        Accounts = accounts.Store.List();
        if (change.Done)
        {
            await audit.RecordAsync(HttpContext, action, detail);
        }
    }

    public async Task OnPostAsync(string? userName, string? displayName, string? role, string? sites, string? password)
    {
        var siteList = (sites ?? "*").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var change = accounts.Add(userName?.Trim() ?? "", displayName, password ?? "", role ?? "", siteList);
        if (change.Done)
        {
            await audit.RecordAsync(HttpContext, AuditActions.UserAdd, AuditTrail.Pairs(("user", userName?.Trim()), ("role", role), ("sites", string.Join(',', siteList))));
        }

        Added = change.Done;
        Message = change.Done ? strings["UserAdded"] : change.Error;
        Accounts = accounts.Store.List();
    }
}
