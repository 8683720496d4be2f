using System.Security.Cryptography;
using System.Text.Json;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>The keys a kiosk trusts, looked up by key id. Several keys may share an id (DCC ids are 8 bytes); each is tried.</summary>
public sealed class TrustList
{
    private readonly Dictionary<string, TrustedKey[]> _byKid;

    public TrustList(IEnumerable<TrustedKey> keys, IReadOnlyList<string>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = [.. keys];
        Skipped = skipped ?? [];
        _byKid = Keys.GroupBy(k => Convert.ToBase64String(k.Kid), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>An empty list: every signed code is <c>unknown-issuer</c>.</summary>
    public static TrustList Empty { get; } = new([]);

    /// <summary>Every trusted key.</summary>
    public IReadOnlyList<TrustedKey> Keys { get; }

    /// <summary>
    /// Entries left out because their key pairs with no supported algorithm (for example a P-384 signer in a national list):
    /// codes they signed are <c>unknown-issuer</c>. One line per entry, naming it.
    /// </summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>The keys with id <paramref name="kid"/>; empty when none.</summary>
    public IReadOnlyList<TrustedKey> Find(ReadOnlySpan<byte> kid) =>
        _byKid.TryGetValue(Convert.ToBase64String(kid), out var keys) ? keys : [];

    /// <summary>
    /// Reads a trust file: a JSON array of objects with <c>certificate</c> (base64 DER X.509) or <c>key</c> (PEM public key),
    /// and optionally <c>kid</c> (base64), <c>usages</c> (array of <see cref="KeyUsages"/>) and <c>issuer</c> (a name).
    /// Throws <see cref="FormatException"/> naming the bad entry.
    /// </summary>
    public static TrustList Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = ParseDocument(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a trust file is a JSON array of {certificate | key, kid?, usages?, issuer?}.");
        }

        var keys = new List<TrustedKey>();
        var skipped = new List<string>();
        var i = 0;
        foreach (var entry in doc.RootElement.EnumerateArray())
        {
            try
            {
                keys.Add(ParseEntry(entry));
            }
            catch (NotSupportedException ex)
            {
                skipped.Add($"entry {i}: {ex.Message}");
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException or InvalidOperationException or ArgumentException or KeyNotFoundException)
            {
                throw new FormatException($"entry {i}: {ex.Message}", ex);
            }

            i++;
        }

        return new TrustList(keys, skipped);
    }

    /// <summary>Writes entries in the trust file format.</summary>
    public static string Write(IEnumerable<TrustFileEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var e in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("kid", Convert.ToBase64String(e.Kid));
                writer.WriteString("key", e.PublicKeyPem);
                writer.WriteString("issuer", e.Issuer);
                writer.WriteStartArray("usages");
                foreach (var u in e.Usages)
                {
                    writer.WriteStringValue(u);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static JsonDocument ParseDocument(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new FormatException("not valid JSON: " + ex.Message, ex);
        }
    }

    private static TrustedKey ParseEntry(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("not an object.");
        }

        byte[]? kid = entry.TryGetProperty("kid", out var k) && k.ValueKind == JsonValueKind.String ? Convert.FromBase64String(k.GetString()!) : null;
        List<string>? usages = null;
        if (entry.TryGetProperty("usages", out var u) && u.ValueKind == JsonValueKind.Array)
        {
            usages = [.. u.EnumerateArray().Select(x => x.GetString() ?? "")];
            if (usages.FirstOrDefault(x => !KeyUsages.All.Contains(x)) is { } bad)
            {
                throw new FormatException($"usage '{bad}' is not one of {string.Join(", ", KeyUsages.All)}.");
            }
        }

        var issuer = entry.TryGetProperty("issuer", out var iss) && iss.ValueKind == JsonValueKind.String ? iss.GetString() : null;
        if (entry.TryGetProperty("certificate", out var cert) && cert.ValueKind == JsonValueKind.String)
        {
            return TrustedKey.FromCertificate(Convert.FromBase64String(cert.GetString()!), kid, usages);
        }

        if (entry.TryGetProperty("key", out var pem) && pem.ValueKind == JsonValueKind.String)
        {
            return TrustedKey.FromPem(pem.GetString()!, kid, usages, issuer);
        }

        throw new FormatException("needs \"certificate\" (base64 DER) or \"key\" (PEM public key).");
    }
}

/// <summary>One entry of a trust file as central exports it.</summary>
/// <param name="Kid">The key id.</param>
/// <param name="PublicKeyPem">The public key, PEM SubjectPublicKeyInfo.</param>
/// <param name="Issuer">A display name of the issuer.</param>
/// <param name="Usages">What it may sign.</param>
public sealed record TrustFileEntry(byte[] Kid, string PublicKeyPem, string Issuer, IReadOnlyList<string> Usages);
