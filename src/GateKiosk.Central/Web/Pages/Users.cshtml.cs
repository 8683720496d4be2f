using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace GateKiosk.Central.Web.Pages;

/// <summary>Central's users, and a form to add one: admins only.</summary>
[Authorize(Policy = Policies.Admin)]
public sealed class UsersModel(AccountService accounts, IStringLocalizer<Strings> strings) : PageModel
{
    public IReadOnlyList<Account> Accounts { get; private set; } = [];

    public string? Message { get; private set; }

    public bool Added { get; private set; }

    public string? ChangeMessage { get; private set; }

    public bool Changed { get; private set; }

    public void OnGet() => Accounts = accounts.Store.List();

    public void OnPostRole(string? userName, string? role) =>
        Change(userName, static (a, u, r) => a.SetRole(u, r!), role);

    public void OnPostDisabled(string? userName, bool disabled) =>
        Change(userName, static (a, u, d) => a.SetDisabled(u, d == "true"), disabled ? "true" : "false");

    public void OnPostPassword(string? userName, string? password) =>
        Change(userName, static (a, u, p) => a.ResetPassword(u, p ?? ""), password, allowSelf: true);

    /// <summary>
    /// Applies a change and says how it went. An admin may not change their own role or disable themselves here, so
    /// the last admin cannot lock everyone out by a slip (the command line can still do it).
    /// </summary>
    private void Change(string? userName, Func<AccountService, string, string?, AccountChange> apply, string? value, bool allowSelf = false)
    {
        var self = string.Equals(userName, User.Identity?.Name, StringComparison.OrdinalIgnoreCase);
        var change = userName is null ? AccountChange.Refused("no user.")
            : self && !allowSelf ? AccountChange.Refused(strings["NotYourself"])
            : apply(accounts, userName, value);
        Changed = change.Done;
        ChangeMessage = change.Done ? strings["UserChanged"] : change.Error;
        Accounts = accounts.Store.List();
    }

    public void OnPost(string? userName, string? displayName, string? role, string? sites, string? password)
    {
        var siteList = (sites ?? "*").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var change = accounts.Add(userName?.Trim() ?? "", displayName, password ?? "", role ?? "", siteList);
        Added = change.Done;
        Message = change.Done ? strings["UserAdded"] : change.Error;
        Accounts = accounts.Store.List();
    }
}
