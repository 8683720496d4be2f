using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Central.Passes;

/// <summary>
/// The organisation's pass-signing keys in <c>{data}/issuer/</c>: one PKCS#8 PEM per key (<c>{kid-hex}.key.pem</c>, mode 0600)
/// and <c>active</c> naming the key that signs new passes. Rotating adds a key and makes it active; older keys stay in the
/// exported trust list so passes they signed keep working until removed.
/// </summary>
internal sealed class IssuerKeyStore
{
    private const string ActiveFile = "active";
    private const string KeySuffix = ".key.pem";

    public IssuerKeyStore(string dataDirectory) => Folder = Path.Combine(dataDirectory, "issuer");

    public string Folder { get; }

    /// <summary>Every key id (lower-case hex), oldest first.</summary>
    public IReadOnlyList<string> KeyIds() => Directory.Exists(Folder)
        ? [.. new DirectoryInfo(Folder).GetFiles("*" + KeySuffix).OrderBy(f => f.CreationTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).Select(f => f.Name[..^KeySuffix.Length])]
        : [];

    /// <summary>The active key id, or null when no key was created yet.</summary>
    public string? ActiveKeyId => File.Exists(Path.Combine(Folder, ActiveFile)) ? File.ReadAllText(Path.Combine(Folder, ActiveFile)).Trim() : null;

    /// <summary>Creates a key (ES256 on P-256 or PS256 on RSA-3072), makes it active and returns its id.</summary>
    public string Create(KeyAlgorithm algorithm)
    {
        Directory.CreateDirectory(Folder);
        using AsymmetricAlgorithm key = algorithm == KeyAlgorithm.ES256 ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(3072);
        var kid = Convert.ToHexStringLower(TrustedKey.KidOf(key));
        var path = Path.Combine(Folder, kid + KeySuffix);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the private key is for the service only
        }

        using (var file = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(Path.Combine(Folder, ActiveFile), kid + "\n");
        return kid;
    }

    /// <summary>Loads the private key <paramref name="kid"/>.</summary>
    public AsymmetricAlgorithm Load(string kid)
    {
        var pem = File.ReadAllText(Path.Combine(Folder, kid + KeySuffix));
        if (pem.Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal))
        {
            try
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return ec;
            }
            catch (CryptographicException)
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return rsa;
            }
        }

        throw new InvalidDataException($"{kid}{KeySuffix} is not a PKCS#8 private key.");
    }

    /// <summary>The trust file for kiosks: every key, allowed to sign the three pass kinds.</summary>
    public string ExportTrustList(string issuer)
    {
        var entries = new List<TrustFileEntry>();
        foreach (var kid in KeyIds())
        {
            using var key = Load(kid);
            entries.Add(new TrustFileEntry(Convert.FromHexString(kid), key.ExportSubjectPublicKeyInfoPem(), issuer,
                [CredentialKinds.StaffPass, CredentialKinds.VisitorPass, CredentialKinds.HealthDeclaration]));
        }

        return TrustList.Write(entries);
    }
}
