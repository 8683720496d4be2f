using System.Security.Cryptography;
using System.Text;

namespace GateKiosk.Core.Policy;

/// <summary>
/// The keyed hash a policy lists a badge by: the first 16 bytes of HMAC-SHA256 of the badge number, with the key central
/// and the site's kiosks share (<c>Policy:BadgeHashKey</c>). A copied bundle alone does not list anyone's badge.
/// </summary>
public static class BadgeHash
{
    public const int Length = 16;

    /// <summary>Writes the hash of <paramref name="badge"/> to <paramref name="destination"/> (<see cref="Length"/> bytes).</summary>
    public static void Compute(byte[] key, string badge, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(badge);
        Span<byte> full = stackalloc byte[32];
        Span<byte> text = stackalloc byte[256];
        var n = Encoding.UTF8.GetBytes(badge.AsSpan(0, Math.Min(badge.Length, 64)), text);
        HMACSHA256.HashData(key, text[..n], full);
        full[..Length].CopyTo(destination);
    }

    /// <summary>The hash of <paramref name="badge"/>.</summary>
    public static byte[] Of(byte[] key, string badge)
    {
        var hash = new byte[Length];
        Compute(key, badge, hash);
        return hash;
    }
}
