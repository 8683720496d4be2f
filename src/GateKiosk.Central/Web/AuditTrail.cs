using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Web;

/// <summary>The audit trail's action codes written by the pages, the API and the command line.</summary>
public static class AuditActions
{
    public const string SignIn = "sign-in";
    public const string SignInFailed = "sign-in-failed";
    public const string UserAdd = "user-add";
    public const string UserRole = "user-role";
    public const string UserDisable = "user-disable";
    public const string UserEnable = "user-enable";
    public const string UserPassword = "user-password";
    public const string TokenCreate = "token-create";
    public const string TokenRevoke = "token-revoke";
    public const string ExportEvents = "export-events";
}

/// <summary>
/// Appends to the store's audit trail (<see cref="IAuditLog"/>) who did what, when and from which address. Details
/// never hold a password, a token or a person's subject id (a subject is given as a short hash).
/// </summary>
public sealed class AuditTrail(IAuditLog log, TimeProvider time)
{
    /// <summary>Records <paramref name="action"/> by the request's user (or <paramref name="actor"/> when given) from the request's address.</summary>
    public Task RecordAsync(HttpContext http, string action, string detail, string? actor = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        return log.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), actor ?? TraceEndpoints.Actor(http.User), action, detail, Address(http)), CancellationToken.None);
    }

    /// <summary>The caller's IP address as text (an IPv4 address mapped into IPv6 shown as IPv4); null when unknown.</summary>
    public static string? Address(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null;
    }

    /// <summary><c>key=value</c> pairs for a detail, leaving out empty values, each value cut to 100 characters.</summary>
    public static string Pairs(params (string Key, string? Value)[] pairs) =>
        string.Join(' ', pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Clip(p.Value!)}"));

    private static string Clip(string value)
    {
        value = new string([.. value.Select(c => char.IsControl(c) || c == ' ' ? '_' : c)]);
        return value.Length <= 100 ? value : value[..100];
    }
}
