using System.Security.Cryptography;

namespace GateKiosk.Central.Policy;

/// <summary>
/// Central's policy keys in <c>{data}/policy/</c>: the signing key (<c>policy.key.pem</c>, mode 0600, P-256), its public
/// half for the kiosks (<c>policy.pub.pem</c>), and the badge hash key (<c>badge-hash.key</c>, base64, mode 0600) unless
/// <c>Policy:BadgeHashKey</c> names one. Created at the first start; distinct from the pass issuer keys in <c>issuer/</c>.
/// </summary>
internal sealed class PolicyKeys
{
    public PolicyKeys(string dataDirectory, string? configuredHashKey)
    {
        Folder = Path.Combine(dataDirectory, "policy");
        Directory.CreateDirectory(Folder);
        var keyFile = Path.Combine(Folder, "policy.key.pem");
        if (!File.Exists(keyFile))
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            WritePrivate(keyFile, created.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(PublicKeyFile, created.ExportSubjectPublicKeyInfoPem());
        }

        SigningKey = ECDsa.Create();
        SigningKey.ImportFromPem(File.ReadAllText(keyFile));
        if (!File.Exists(PublicKeyFile))
        {
            File.WriteAllText(PublicKeyFile, SigningKey.ExportSubjectPublicKeyInfoPem());
        }

        if (!string.IsNullOrWhiteSpace(configuredHashKey))
        {
            BadgeHashKey = Convert.FromBase64String(configuredHashKey);
        }
        else
        {
            var hashFile = Path.Combine(Folder, "badge-hash.key");
            if (!File.Exists(hashFile))
            {
                WritePrivate(hashFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
            }

            BadgeHashKey = Convert.FromBase64String(File.ReadAllText(hashFile).Trim());
        }
    }

    public string Folder { get; }

    /// <summary>The public key file to copy to kiosks (<c>Policy:PublicKeyFile</c>).</summary>
    public string PublicKeyFile => Path.Combine(Folder, "policy.pub.pem");

    public ECDsa SigningKey { get; }

    public byte[] BadgeHashKey { get; }

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(text);
    }
}
