using System.IO.Compression;
using CsCheck;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Testing;

namespace GateKiosk.Core.Tests.Credentials;

/// <summary>Hostile input: random bytes, altered passes, bombs. The verifiers answer with a deny, never an exception.</summary>
public sealed class SignedCodePropertyTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    private readonly TestIssuer _es256 = new();
    private readonly TestIssuer _ps256 = new(KeyAlgorithm.PS256);
    private readonly ICredentialVerifier[] _verifiers;

    public SignedCodePropertyTests()
    {
        var settings = new SignedCredentialSettings
        {
            Trust = new TrustList([_es256.Trusted, _ps256.Trusted]),
            SiteId = "site-a",
        };
        _verifiers =
        [
            new GateKioskPassVerifier(CredentialKinds.StaffPass, settings, NoPassUseLedger.Instance),
            new GateKioskPassVerifier(CredentialKinds.VisitorPass, settings, NoPassUseLedger.Instance),
            new GateKioskPassVerifier(CredentialKinds.HealthDeclaration, settings, NoPassUseLedger.Instance),
            new EuDccVerifier(settings),
            new NzCovidPassVerifier(settings),
        ];
    }

    private static readonly string[] Prefixes = [PassPrefixes.StaffPass, PassPrefixes.VisitorPass, PassPrefixes.HealthDeclaration, EuDccVerifier.Prefix, NzCovidPassVerifier.Prefix];

    [Fact]
    public void Verify_RandomBytesBehindEveryPrefix_NeverThrowsNeverAllows()
    {
        Gen.Select(Gen.Int[0, Prefixes.Length - 1], Gen.Byte.Array[0, 800], Gen.Bool).Sample((p, bytes, compress) =>
        {
            var payload = compress ? BoundedInflater.Deflate(bytes) : bytes;
            var text = Prefixes[p] + (p == 4 ? Base32.Encode(payload) : Base45.Encode(payload));
            AssertDenied(text);
        }, iter: 3000, threads: 1);
    }

    [Fact]
    public void Verify_RandomTextBehindEveryPrefix_NeverThrowsNeverAllows()
    {
        Gen.Select(Gen.Int[0, Prefixes.Length - 1], Gen.Char["0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:=a"].Array[0, 400]).Sample((p, chars) =>
            AssertDenied(Prefixes[p] + new string(chars)), iter: 3000, threads: 1);
    }

    [Fact]
    public void Verify_ValidPassWithOneBitFlippedInTheSignedMessage_NeverAllows()
    {
        foreach (var issuer in new[] { _es256, _ps256 })
        {
            var pass = issuer.Pass(CredentialKinds.VisitorPass, Now, TimeSpan.FromHours(1));
            var cose = issuer.Sign(pass);
            AssertAllowed(SignedCodeWriter.Encode(PassPrefixes.VisitorPass, cose));

            Gen.Int[0, (cose.Length * 8) - 1].Sample(bit =>
            {
                var altered = (byte[])cose.Clone();
                altered[bit / 8] ^= (byte)(1 << (bit % 8));
                AssertDenied(SignedCodeWriter.Encode(PassPrefixes.VisitorPass, altered));
            }, iter: issuer == _es256 ? 3000 : 500, threads: 1);
        }
    }

    [Fact]
    public void Verify_ValidPassWithOneCharacterReplacedInItsText_NeverAllows()
    {
        var pass = _es256.Pass(CredentialKinds.StaffPass, Now, TimeSpan.FromDays(30));
        var cose = _es256.Sign(pass);
        var text = SignedCodeWriter.Encode(PassPrefixes.StaffPass, cose);
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

        Gen.Select(Gen.Int[0, text.Length - 1], Gen.Int[0, alphabet.Length - 1]).Sample((i, c) =>
        {
            var chars = text.ToCharArray();
            chars[i] = alphabet[c];
            var altered = new string(chars);
            if (altered == text || SameSignedMessage(altered[PassPrefixes.StaffPass.Length..], cose))
            {
                return; // the same signed message (a zlib checksum byte or an equal character): not a modified pass
            }

            AssertDenied(altered);
        }, iter: 3000, threads: 1);
    }

    // The time bound is the test's timeout, not a stopwatch: a shared CI machine is too noisy for a tight figure.
    [Fact(Timeout = 10_000)]
    public Task Verify_ZlibBomb_IsUnreadableWithinBoundedTimeAndMemory() => Task.Run(() =>
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            z.Write(new byte[64 * 1024 * 1024]);
        }

        var text = PassPrefixes.VisitorPass + Base45.Encode(buffer.ToArray());
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        var check = _verifiers[1].Verify(new ScannedCode(text), Now);

        Assert.Equal(ReasonCodes.Unreadable, check.Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 4 * 1024 * 1024, "allocated more than 4 MiB");
    });

    [Fact(Timeout = 10_000)]
    public Task Verify_DeeplyNestedCborSignedByTrustedKey_IsUnreadableWithinBoundedTime() => Task.Run(() =>
    {
        // 100,000 nested one-element arrays as the claims, correctly signed: only the depth cap stands in the way.
        var nested = new byte[100_001];
        Array.Fill(nested, (byte)0x81);
        nested[^1] = 0x00;
        var signed = SignedCodeWriter.Sign(nested, _es256.PrivateKey, _es256.Kid);

        Assert.Equal(ReasonCodes.Unreadable, _verifiers[1].Verify(new ScannedCode(SignedCodeWriter.Encode(PassPrefixes.VisitorPass, signed)), Now).Reason);
        Assert.Equal(ReasonCodes.Unreadable, _verifiers[1].Verify(new ScannedCode(SignedCodeWriter.Encode(PassPrefixes.VisitorPass, nested)), Now).Reason);
        Assert.False(CborTree.TryRead(nested, out _));
    });

    [Fact]
    public void Verify_SignedDccWithRandomContent_NeverThrowsAndReachesTheRules()
    {
        // Correctly signed by a trusted key, so schema checks and business rules see hostile values of every type.
        var settings = new SignedCredentialSettings { Trust = _es256.Trust, ClockLeeway = TimeSpan.Zero };
        var verifier = new EuDccVerifier(settings);
        var reasons = new HashSet<string>();
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var writer = new System.Formats.Cbor.CborWriter();
            writer.WriteStartMap(4);
            writer.WriteInt32(1);
            writer.WriteTextString("VN");
            writer.WriteInt32(4);
            writer.WriteInt64(Now.AddDays(30).ToUnixTimeSeconds());
            writer.WriteInt32(6);
            writer.WriteInt64(Now.AddDays(-1).ToUnixTimeSeconds());
            writer.WriteInt32(-260);
            writer.WriteStartMap(1);
            writer.WriteInt32(1);
            if (random.Next(2) == 0)
            {
                WriteRandomDcc(writer, random, 0);
            }
            else
            {
                WriteTemplateDcc(writer, random);
            }

            writer.WriteEndMap();
            writer.WriteEndMap();
            var text = SignedCodeWriter.Encode(EuDccVerifier.Prefix, SignedCodeWriter.Sign(writer.Encode(), _es256.PrivateKey, _es256.Kid));

            var check = verifier.Verify(new ScannedCode(text), Now);

            Assert.Contains(check.Reason, ReasonCodes.All);
            reasons.Add(check.Reason);
        }, iter: 2000, threads: 1);

        // The template half reaches the business rules: some pass, some fail them.
        Assert.Contains(ReasonCodes.Valid, reasons);
        Assert.Contains(ReasonCodes.Unreadable, reasons);
    }

    private static readonly string[] DccKeys = ["ver", "nam", "fnt", "gnt", "dob", "v", "t", "r", "tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci", "tt", "sc", "tr", "tc", "fr", "df", "du"];

    private static readonly string[] DccValues = ["1.3.0", "840539006", "260415000", "VN", "2021-05-01", "2026-03-01T10:00:00Z", "A<B", "", "9999-99-99", "2021-13-45", "x"];

    /// <summary>A well-formed DCC of a random type with one field (or none) replaced by a random value of a random type.</summary>
    private static void WriteTemplateDcc(System.Formats.Cbor.CborWriter w, Random random)
    {
        var type = "vtr"[random.Next(3)].ToString();
        var entry = type switch
        {
            "v" => new Dictionary<string, object> { ["tg"] = "840539006", ["vp"] = "J07BX03", ["mp"] = "EU/1/20/1528", ["ma"] = "ORG-100030215", ["dn"] = 2L, ["sd"] = 2L, ["dt"] = "2026-01-01", ["co"] = "VN", ["is"] = "MoH", ["ci"] = "URN:UVCI:1" },
            "t" => new Dictionary<string, object> { ["tg"] = "840539006", ["tt"] = "LP6464-4", ["sc"] = "2026-03-01T10:00:00Z", ["tr"] = "260415000", ["tc"] = "Lab", ["co"] = "VN", ["is"] = "MoH", ["ci"] = "URN:UVCI:2" },
            _ => new Dictionary<string, object> { ["tg"] = "840539006", ["fr"] = "2026-01-01", ["df"] = "2026-01-12", ["du"] = "2026-06-01", ["co"] = "VN", ["is"] = "MoH", ["ci"] = "URN:UVCI:3" },
        };
        var mutated = random.Next(entry.Count + 1);
        w.WriteStartMap(4);
        w.WriteTextString("ver");
        w.WriteTextString("1.3.0");
        w.WriteTextString("nam");
        w.WriteStartMap(2);
        w.WriteTextString("fnt");
        w.WriteTextString("NGUYEN");
        w.WriteTextString("gnt");
        w.WriteTextString("VAN<A");
        w.WriteEndMap();
        w.WriteTextString("dob");
        w.WriteTextString("1990-01-01");
        w.WriteTextString(type);
        w.WriteStartArray(1);
        w.WriteStartMap(entry.Count);
        var i = 0;
        foreach (var (key, value) in entry)
        {
            w.WriteTextString(key);
            if (i++ == mutated)
            {
                WriteRandomValue(w, random);
            }
            else if (value is long l)
            {
                w.WriteInt64(l);
            }
            else
            {
                w.WriteTextString((string)value);
            }
        }

        w.WriteEndMap();
        w.WriteEndArray();
        w.WriteEndMap();
    }

    private static void WriteRandomValue(System.Formats.Cbor.CborWriter w, Random random)
    {
        switch (random.Next(5))
        {
            case 0: w.WriteTextString(DccValues[random.Next(DccValues.Length)]); break;
            case 1: w.WriteInt64(random.Next(-3, 12)); break;
            case 2: w.WriteDouble(random.NextDouble() * 1e10); break;
            case 3: w.WriteBoolean(true); break;
            default: w.WriteNull(); break;
        }
    }

    private static void WriteRandomDcc(System.Formats.Cbor.CborWriter w, Random random, int depth)
    {
        var count = random.Next(0, 8);
        w.WriteStartMap(count);
        var used = new HashSet<string>();
        for (var i = 0; i < count; i++)
        {
            var key = DccKeys[random.Next(DccKeys.Length)];
            if (!used.Add(key))
            {
                key += i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            w.WriteTextString(key);
            switch (depth > 3 ? random.Next(4) : random.Next(7))
            {
                case 0: w.WriteTextString(DccValues[random.Next(DccValues.Length)]); break;
                case 1: w.WriteInt64(random.Next(-3, 12)); break;
                case 2: w.WriteDouble(random.NextDouble() * 1e10); break;
                case 3: w.WriteNull(); break;
                case 4:
                    w.WriteStartArray(1);
                    WriteRandomDcc(w, random, depth + 1);
                    w.WriteEndArray();
                    break;
                default: WriteRandomDcc(w, random, depth + 1); break;
            }
        }

        w.WriteEndMap();
    }

    public void Dispose()
    {
        _es256.Dispose();
        _ps256.Dispose();
    }

    private static bool SameSignedMessage(string base45, byte[] cose) =>
        Base45.TryDecode(base45, out var z) && BoundedInflater.TryInflate(z, 64 * 1024, out var inflated) && inflated.AsSpan().SequenceEqual(cose);

    private void AssertDenied(string text)
    {
        foreach (var verifier in _verifiers)
        {
            var code = new ScannedCode(text);
            if (verifier.Recognizes(code))
            {
                var check = verifier.Verify(code, Now);
                Assert.False(check.IsValid, $"{verifier.Kind} allowed an altered or random code");
                Assert.Contains(check.Reason, ReasonCodes.All);
            }
        }
    }

    private void AssertAllowed(string text) =>
        Assert.True(_verifiers[1].Verify(new ScannedCode(text), Now).IsValid);
}
