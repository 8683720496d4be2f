using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using GateKiosk.Central.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Api;

/// <summary>
/// Who may use central. Pages take the session cookie (<see cref="CookieScheme"/>); the API takes the same cookie or
/// <c>Authorization: Bearer</c> with a personal token (<see cref="ApiScheme"/> picks one by the header). Each route
/// declares a policy of roles (<see cref="Policies"/>), so it holds whatever letter case the path arrives in.
/// </summary>
internal static partial class ApiAccess
{
    /// <summary>The session cookie of signed-in users.</summary>
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary><c>Authorization: Bearer</c> with a personal token (or the deprecated <c>Central:ApiToken</c>).</summary>
    public const string TokenScheme = "ApiToken";

    /// <summary>The API's scheme: the token when an Authorization header is sent, else the cookie; it answers 401/403 as JSON.</summary>
    public const string ApiScheme = "Api";

    /// <summary>Every API route: any signed-in role.</summary>
    public const string Policy = "api";

    /// <summary>Claim set on the deprecated shared token's principal, which only read-only API policies accept.</summary>
    public const string LegacyTokenClaim = "gatekiosk:legacy-token";

    /// <summary>Adds the schemes, the policies (the API one is also the fallback) and host filtering from <c>Central:AllowedHosts</c>.</summary>
    public static IServiceCollection AddCentralApiAccess(this IServiceCollection services)
    {
        services.AddAuthentication(CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "gatekiosk.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = SessionIdleTimeout;
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/denied";
                o.Events.OnValidatePrincipal = AccountClaims.ValidateAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(TokenScheme, null)
            .AddPolicyScheme(ApiScheme, null, o =>
            {
                o.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0 ? TokenScheme : CookieScheme;
                o.ForwardChallenge = TokenScheme;
                o.ForwardForbid = TokenScheme;
            });
        services.AddSingleton<IAuthorizationHandler, ApiAccessHandler>();
        services.AddAuthorization(o =>
        {
            var api = ApiPolicy(Roles.All);
            o.AddPolicy(Policy, api);
            o.AddPolicy(Policies.ApiPersonalEvents, ApiPolicy(Policies.PersonalEventRoles));
            o.AddPolicy(Policies.ApiPeople, ApiPolicy([Roles.Admin, Roles.Manager]));
            o.AddPolicy(Policies.ApiExports, ApiPolicy([Roles.Admin, Roles.Manager]));
            o.AddPolicy(Policies.ApiHealth, new AuthorizationPolicyBuilder(ApiScheme)
                .AddRequirements(new ApiAccessRequirement([Roles.Admin, Roles.Health], Api: true, LegacyTokenOnlyWithoutAccounts: true)).Build());
            o.AddPolicy(Policies.ApiAdmin, ApiPolicy([Roles.Admin]));
            o.AddPolicy(Policies.ApiSites, new AuthorizationPolicyBuilder(ApiScheme)
                .AddRequirements(new ApiAccessRequirement([Roles.Admin], Api: true, LegacyTokenOnlyWithoutAccounts: true)).Build());
            o.AddPolicy(Policies.ApiPeopleWrite, new AuthorizationPolicyBuilder(ApiScheme)
                .AddRequirements(new ApiAccessRequirement([Roles.Admin, Roles.Manager], Api: true, LegacyTokenOnlyWithoutAccounts: true)).Build());
            o.AddPolicy(Policies.ApiDoorCommands, new AuthorizationPolicyBuilder(ApiScheme)
                .AddRequirements(new ApiAccessRequirement([Roles.Admin, Roles.Manager, Roles.Guard], Api: true, LegacyTokenOnlyWithoutAccounts: true)).Build());
            o.AddPolicy(Policies.SignedIn, PagePolicy(Roles.All));
            o.AddPolicy(Policies.Admin, PagePolicy([Roles.Admin]));
            o.AddPolicy(Policies.People, PagePolicy([Roles.Admin, Roles.Manager]));
            o.AddPolicy(Policies.Live, PagePolicy([Roles.Admin, Roles.Manager, Roles.Guard]));
            o.AddPolicy(Policies.Health, PagePolicy([Roles.Admin, Roles.Health]));
            o.FallbackPolicy = api;
        });
        services.AddHostFiltering(_ => { });
        services.AddOptions<HostFilteringOptions>().Configure<IOptions<CentralOptions>>((hosts, central) =>
            hosts.AllowedHosts = central.Value.EffectiveAllowedHosts());
        return services;
    }

    /// <summary>How long a session lasts without a request; each request at least halfway through renews it.</summary>
    public static readonly TimeSpan SessionIdleTimeout = TimeSpan.FromMinutes(30);

    private static AuthorizationPolicy ApiPolicy(IReadOnlyList<string> roles) =>
        new AuthorizationPolicyBuilder(ApiScheme).AddRequirements(new ApiAccessRequirement(roles, Api: true)).Build();

    private static AuthorizationPolicy PagePolicy(IReadOnlyList<string> roles) =>
        new AuthorizationPolicyBuilder(CookieScheme).AddRequirements(new ApiAccessRequirement(roles, Api: false)).Build();

    /// <summary>
    /// Logs at start: a warning when the deprecated <c>Central:ApiToken</c> is set, and what a central without
    /// accounts does (answers loopback callers of the API when bound to loopback only, else refuses everyone).
    /// </summary>
    public static void CheckListenAddressesAtStart(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var handler = app.Services.GetServices<IAuthorizationHandler>().OfType<ApiAccessHandler>().Single();
            if (!handler.TokenIsEmpty)
            {
                LogDeprecatedToken(app.Logger);
            }

            if (!app.Services.GetRequiredService<IAccountStore>().AnyAccount())
            {
                if (handler.IsOpen)
                {
                    LogFirstRunOpen(app.Logger);
                }
                else if (handler.TokenIsEmpty)
                {
                    LogRefusingOpenAccess(app.Logger, string.Join(' ', handler.ServerAddresses));
                }
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Central has no user account and listens on {Addresses}, not only on loopback: every page and API request is refused until the first admin is made with 'gatekiosk-central user add --name NAME --role admin'")]
    private static partial void LogRefusingOpenAccess(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Central has no user account yet: until the first one is made ('gatekiosk-central user add --name NAME --role admin'), the API answers any caller on this machine")]
    private static partial void LogFirstRunOpen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Central:ApiToken is deprecated: it now only reads the API. Give each script a personal token ('gatekiosk-central user token --name NAME') and remove Central:ApiToken")]
    private static partial void LogDeprecatedToken(ILogger logger);
}

/// <summary>Policy names, one per group of roles; pages and endpoints declare them.</summary>
internal static class Policies
{
    /// <summary>Any signed-in user (pages).</summary>
    public const string SignedIn = "signed-in";

    /// <summary>Admins only: users and the audit trail.</summary>
    public const string Admin = "admin";

    /// <summary>People, badges, passes and exports: admins and managers.</summary>
    public const string People = "people";

    /// <summary>Live view, presence and muster: admins, managers and guards.</summary>
    public const string Live = "live";

    /// <summary>Tracing and health exports: admins and health officers.</summary>
    public const string Health = "health";

    /// <summary>Tracing and health declarations (<c>/api/trace</c>, <c>/api/declarations</c>): admins and health officers; the deprecated shared token only until accounts exist.</summary>
    public const string ApiHealth = "api-health";

    /// <summary>API routes that return personal fields (subjects): every role but viewer.</summary>
    public const string ApiPersonalEvents = "api-personal-events";

    /// <summary>API routes for sites, people and passes: admins and managers.</summary>
    public const string ApiPeople = "api-people";

    /// <summary>Adding, changing and removing people (<c>/api/people</c>): admins and managers; the deprecated shared token only until accounts exist.</summary>
    public const string ApiPeopleWrite = "api-people-write";

    /// <summary>Signed door commands (<c>POST /api/kiosks/{site}/{kiosk}/commands</c>): admins, managers and guards.</summary>
    public const string ApiDoorCommands = "api-door-commands";

    /// <summary>API exports of events (CSV, XLSX): admins and managers.</summary>
    public const string ApiExports = "api-exports";

    /// <summary>API routes for admins only: the quarantine of rejected messages.</summary>
    public const string ApiAdmin = "api-admin";

    /// <summary>Adding and editing sites (<c>POST /api/sites</c>, <c>PUT /api/sites/{id}</c>): admins; the deprecated shared token, which only reads, only until accounts exist.</summary>
    public const string ApiSites = "api-sites";

    public static readonly IReadOnlyList<string> PersonalEventRoles = [Roles.Admin, Roles.Manager, Roles.Guard, Roles.Health];
}

/// <summary>
/// A policy's requirement: the caller holds one of <paramref name="Roles"/>. On the API (<paramref name="Api"/>) the
/// deprecated shared token also passes (every API route today only reads), as does a loopback caller while no account
/// exists and central listens on loopback only (the first run, before <c>user add</c>). With
/// <paramref name="LegacyTokenOnlyWithoutAccounts"/> the shared token passes only while no account exists.
/// </summary>
internal sealed record ApiAccessRequirement(IReadOnlyList<string> Roles, bool Api = true, bool LegacyTokenOnlyWithoutAccounts = false) : IAuthorizationRequirement
{
    public ApiAccessRequirement()
        : this(Accounts.Roles.All)
    {
    }
}

/// <summary>Decides <see cref="ApiAccessRequirement"/>.</summary>
internal sealed class ApiAccessHandler(IOptions<CentralOptions> central, IServer server, IAccountStore accounts) : AuthorizationHandler<ApiAccessRequirement>
{
    public bool TokenIsEmpty => string.IsNullOrEmpty(central.Value.ApiToken);

    /// <summary>True when, with no account yet, requests without a token are let in: no token configured and the server bound to loopback only.</summary>
    public bool IsOpen => TokenIsEmpty && ListenScope.AreLoopbackOnly(ServerAddresses);

    public IEnumerable<string> ServerAddresses => server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiAccessRequirement requirement)
    {
        if (context.User.FindFirst(ClaimTypes.Role)?.Value is { } role && requirement.Roles.Contains(role, StringComparer.Ordinal))
        {
            context.Succeed(requirement);
        }
        else if (requirement.Api && context.User.HasClaim(c => c.Type == ApiAccess.LegacyTokenClaim) && !(requirement.LegacyTokenOnlyWithoutAccounts && accounts.AnyAccount()))
        {
            context.Succeed(requirement);
        }
        else if (requirement.Api && IsOpen && context.Resource is HttpContext http && FromLoopback(http) && !accounts.AnyAccount())
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private static bool FromLoopback(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
}

/// <summary>
/// Authenticates <c>Authorization: Bearer TOKEN</c>: a personal token (<c>gkp_…</c>) as its enabled owner, or the
/// deprecated <c>Central:ApiToken</c> as a read-only caller. Only the header counts: a token in the query string would
/// end up in request logs and browser history, so it is ignored.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<CentralOptions> central, AccountService accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (headers.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail("More than one Authorization header."));
        }

        var value = (headers[0] ?? "").AsSpan().Trim();
        var space = value.IndexOf(' ');
        if (space <= 0 || !value[..space].Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var given = value[(space + 1)..].Trim();
        if (given.StartsWith(AccountService.TokenPrefix, StringComparison.Ordinal))
        {
            return Task.FromResult(accounts.FindByToken(given) is { } account
                ? AuthenticateResult.Success(new AuthenticationTicket(AccountClaims.Principal(account, Scheme.Name), Scheme.Name))
                : AuthenticateResult.Fail("The personal token is unknown, revoked, or its user is disabled."));
        }

        var token = central.Value.ApiToken;
        if (string.IsNullOrEmpty(token) || !Matches(given, token))
        {
            return Task.FromResult(AuthenticateResult.Fail("The API token does not match."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-token"), new Claim(ApiAccess.LegacyTokenClaim, "read")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Response.WriteAsJsonAsync(new ApiError("unauthorized", "Sign in, or send a personal API token as 'Authorization: Bearer TOKEN'."), CentralJsonContext.Default.ApiError);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new ApiError("forbidden", "This user's role may not use this route."), CentralJsonContext.Default.ApiError);
    }

    /// <summary>Compares hashes so that neither the content nor the length of the token shows in the time taken.</summary>
    private static bool Matches(ReadOnlySpan<char> given, string token)
    {
        Span<byte> a = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> b = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(given.ToArray());
        SHA256.HashData(bytes, a);
        SHA256.HashData(Encoding.UTF8.GetBytes(token), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
