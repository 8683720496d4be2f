using System.Security.Cryptography;
using System.Text;

namespace GateKiosk.Core.Credentials;

/// <summary>The keyed hash an event carries instead of personal text: HMAC-SHA256 with the kiosk's <c>Credentials:SubjectHashKey</c>, first 16 bytes in hex.</summary>
public static class SubjectHash
{
    /// <summary><paramref name="prefix"/>, a dash and the hash of <paramref name="text"/>.</summary>
    public static string Of(string prefix, string text, byte[] key) =>
        prefix + "-" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text))[..16]);
}
