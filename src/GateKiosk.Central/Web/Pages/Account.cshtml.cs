using GateKiosk.Central.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GateKiosk.Central.Web.Pages;

/// <summary>The signed-in user's own page: their personal API tokens, made (shown once) and revoked here.</summary>
public sealed class AccountModel(AccountService accounts, AuditTrail audit) : PageModel
{
    public Account? Me { get; private set; }

    public IReadOnlyList<PersonalTokenInfo> Tokens { get; private set; } = [];

    public string? NewToken { get; private set; }

    public void OnGet() => Load();

    public async Task<IActionResult> OnPostCreateAsync(string? label)
    {
        Load();
        if (Me is null)
        {
            return Forbid();
        }

        var (token, id) = accounts.CreateToken(Me, label ?? "");
        NewToken = token;
        await audit.RecordAsync(HttpContext, AuditActions.TokenCreate, AuditTrail.Pairs(("user", Me.UserName), ("token", id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("prefix", token[..(AccountService.TokenPrefix.Length + 6)])));
        Load();
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long tokenId)
    {
        Load();
        if (Me is null)
        {
            return Forbid();
        }

        if (accounts.RevokeToken(Me, tokenId))
        {
            await audit.RecordAsync(HttpContext, AuditActions.TokenRevoke, AuditTrail.Pairs(("user", Me.UserName), ("token", tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        return RedirectToPage();
    }

    private void Load()
    {
        Me = AccountClaims.AccountId(User) is { } id ? accounts.Store.FindById(id) : null;
        Tokens = Me is null ? [] : accounts.Store.ListTokens(Me.Id);
    }
}
