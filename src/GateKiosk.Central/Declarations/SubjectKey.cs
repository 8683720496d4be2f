using System.Security.Cryptography;
using System.Text;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// The installation's secret for declaration subjects: 32 random bytes in <c>{data}/declaration-subject.key</c> (mode
/// 0600), made on first use. A pass's subject is HMAC-SHA256 of the ID number (or name and year of birth) under it, so
/// the same person gets the same subject every day at every site of this central, while nobody without the file can
/// tell from a subject whose it is, or test a guessed ID number against it.
/// </summary>
internal sealed class SubjectKey
{
    public const string FileName = "declaration-subject.key";
    private const int Size = 32;
    private readonly byte[] _key;

    public SubjectKey(string dataDirectory) => _key = LoadOrCreate(Path.Combine(dataDirectory, FileName));

    /// <summary><c>hd-</c> and the first 16 bytes of the HMAC in hex.</summary>
    public string Subject(string text) => "hd-" + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text))[..16]);

    private static byte[] LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var file = new FileStream(path, options);
                file.Write(RandomNumberGenerator.GetBytes(Size));
                file.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first: use theirs.
            }
        }

        var key = File.ReadAllBytes(path);
        return key.Length == Size ? key : throw new InvalidDataException($"{path} is not a {Size}-byte key; restore it from a backup (passes issued today depend on it).");
    }
}
