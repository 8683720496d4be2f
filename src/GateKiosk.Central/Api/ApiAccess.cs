using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Api;

/// <summary>
/// Who may call the API: a request carrying <c>Authorization: Bearer Central:ApiToken</c>, or, when no token is
/// configured and the server is bound to loopback only, any request from this machine. Declared on the endpoints as
/// the <see cref="Policy"/> policy (and as the fallback policy), so it holds whatever letter case the path arrives in.
/// </summary>
internal static partial class ApiAccess
{
    public const string Scheme = "ApiToken";

    public const string Policy = "api";

    /// <summary>Adds the token scheme, the API policy (also the fallback) and host filtering from <c>Central:AllowedHosts</c>.</summary>
    public static IServiceCollection AddCentralApiAccess(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(Scheme, null);
        services.AddSingleton<IAuthorizationHandler, ApiAccessHandler>();
        services.AddAuthorization(o =>
        {
            var policy = new AuthorizationPolicyBuilder(Scheme).AddRequirements(new ApiAccessRequirement()).Build();
            o.AddPolicy(Policy, policy);
            o.FallbackPolicy = policy;
        });
        services.AddHostFiltering(_ => { });
        services.AddOptions<HostFilteringOptions>().Configure<IOptions<CentralOptions>>((hosts, central) =>
            hosts.AllowedHosts = central.Value.EffectiveAllowedHosts());
        return services;
    }

    /// <summary>Logs an error at start when no token is set yet the server listens beyond loopback (then the API refuses every request).</summary>
    public static void CheckListenAddressesAtStart(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var handler = app.Services.GetServices<IAuthorizationHandler>().OfType<ApiAccessHandler>().Single();
            if (handler.TokenIsEmpty && !handler.IsOpen)
            {
                LogRefusingOpenAccess(app.Logger, string.Join(' ', handler.ServerAddresses));
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Central:ApiToken is empty but central listens on {Addresses}, not only on loopback: the API refuses every request until Central:ApiToken is set")]
    private static partial void LogRefusingOpenAccess(ILogger logger, string addresses);
}

/// <summary>The API policy's one requirement; <see cref="ApiAccessHandler"/> decides it.</summary>
internal sealed class ApiAccessRequirement : IAuthorizationRequirement
{
}

/// <summary>
/// Grants the API to a caller the token scheme authenticated, or, with no token configured, to a loopback caller
/// when every address the server actually listens on (not only the configured ones) is loopback.
/// </summary>
internal sealed class ApiAccessHandler(IOptions<CentralOptions> central, IServer server) : AuthorizationHandler<ApiAccessRequirement>
{
    public bool TokenIsEmpty => string.IsNullOrEmpty(central.Value.ApiToken);

    /// <summary>True when requests without a token are let in: no token configured and the server bound to loopback only.</summary>
    public bool IsOpen => TokenIsEmpty && ListenScope.AreLoopbackOnly(ServerAddresses);

    public IEnumerable<string> ServerAddresses => server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiAccessRequirement requirement)
    {
        if (context.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == ApiAccess.Scheme))
        {
            context.Succeed(requirement);
        }
        else if (IsOpen && context.Resource is HttpContext http && FromLoopback(http))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private static bool FromLoopback(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
}

/// <summary>
/// Authenticates <c>Authorization: Bearer TOKEN</c> against <c>Central:ApiToken</c>. Only the header counts: a token
/// in the query string would end up in request logs and browser history, so it is ignored.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<CentralOptions> central)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = central.Value.ApiToken;
        var headers = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(token) || headers.Count == 0)
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

        if (!Matches(value[(space + 1)..].Trim(), token))
        {
            return Task.FromResult(AuthenticateResult.Fail("The API token does not match."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-token")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Response.WriteAsJsonAsync(new ApiError("unauthorized", "Send the API token as 'Authorization: Bearer TOKEN'."), CentralJsonContext.Default.ApiError);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new ApiError("forbidden", "This token may not use this route."), CentralJsonContext.Default.ApiError);
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
