using GateKiosk.Central.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The signed-in user's own page: their personal API tokens, made (shown once) and revoked here.</summary>
public sealed class AccountModel(AccountService accounts) : PageModel
{
    public Account? Me { get; private set; }

    public IReadOnlyList<PersonalTokenInfo> Tokens { get; private set; } = [];

    public string? NewToken { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostCreate(string? label)
    {
        Load();
        if (Me is null)
        {
            return Forbid();
        }

        NewToken = accounts.CreateToken(Me, label ?? "").Token;
        Load();
        return Page();
    }

    public IActionResult OnPostRevoke(long tokenId)
    {
        Load();
        if (Me is null)
        {
            return Forbid();
        }

        accounts.RevokeToken(Me, tokenId);
        return RedirectToPage();
    }

    private void Load()
    {
        Me = AccountClaims.AccountId(User) is { } id ? accounts.Store.FindById(id) : null;
        Tokens = Me is null ? [] : accounts.Store.ListTokens(Me.Id);
    }
}
