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

    public void OnGet() => Accounts = accounts.Store.List();

    public void OnPost(string? userName, string? displayName, string? role, string? sites, string? password)
    {
        var siteList = (sites ?? "*").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var change = accounts.Add(userName?.Trim() ?? "", displayName, password ?? "", role ?? "", siteList);
        Added = change.Done;
        Message = change.Done ? strings["UserAdded"] : change.Error;
        Accounts = accounts.Store.List();
    }
}
