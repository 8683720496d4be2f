using System.Net;

namespace GateKiosk.Central.Api;

/// <summary>
/// Whether listen addresses reach only this machine, judged the way Kestrel binds them: the host <c>localhost</c>
/// binds the loopback interfaces, an IP literal binds that address, and any other name (<c>loopback</c>, <c>*</c>,
/// <c>+</c>, a DNS name) binds every interface. <see cref="Uri.IsLoopback"/> is not used: it calls the name
/// <c>loopback</c> loopback although Kestrel binds it to all interfaces.
/// </summary>
internal static class ListenScope
{
    /// <summary>The Host header values accepted by default when central listens on loopback only.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Parses one listen URL; null when it is not an http(s) URL Kestrel can bind.</summary>
    public static BindingAddress? TryParse(string url)
    {
        try
        {
            var address = BindingAddress.Parse(url);
            return address.Scheme.ToLowerInvariant() is "http" or "https" && string.IsNullOrEmpty(address.PathBase) && address.Host.Length > 0
                ? address
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>True when Kestrel binds <paramref name="url"/> to loopback only; false for every other or unparsable address.</summary>
    public static bool IsLoopback(string url) => TryParse(url) is { } address && IsLoopback(address);

    /// <summary>True when there is at least one address and every one is bound to loopback only.</summary>
    public static bool AreLoopbackOnly(IEnumerable<string> urls)
    {
        var any = false;
        foreach (var url in urls)
        {
            if (!IsLoopback(url))
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    private static bool IsLoopback(BindingAddress address)
    {
        if (address.IsUnixPipe || address.IsNamedPipe)
        {
            // A socket file is reachable by whoever its permissions let in, which central does not control.
            return false;
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(address.Host, out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>
    /// The Host header values accepted when <c>Central:AllowedHosts</c> is empty: on loopback, the loopback names
    /// plus the literal hosts of <paramref name="urls"/> (e.g. <c>127.0.0.2</c>); beyond loopback, any host.
    /// </summary>
    public static string[] DefaultAllowedHosts(IReadOnlyList<string> urls)
    {
        if (!AreLoopbackOnly(urls))
        {
            return ["*"];
        }

        var hosts = new List<string>(LoopbackHosts);
        foreach (var url in urls)
        {
            var host = TryParse(url)!.Host;
            if (!hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
            {
                hosts.Add(host);
            }
        }

        return [.. hosts];
    }
}
