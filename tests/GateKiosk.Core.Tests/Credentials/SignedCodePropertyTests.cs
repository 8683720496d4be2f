using System.Diagnostics;
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
            new GateKioskPassVerifier(CredentialKinds.StaffPass, settings, new InMemoryPassUseLedger()),
            new GateKioskPassVerifier(CredentialKinds.VisitorPass, settings, new InMemoryPassUseLedger()),
            new GateKioskPassVerifier(CredentialKinds.HealthDeclaration, settings, new InMemoryPassUseLedger()),
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

    [Fact]
    public void Verify_ZlibBomb_IsUnreadableWithinBoundedTimeAndMemory()
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            z.Write(new byte[64 * 1024 * 1024]);
        }

        var text = PassPrefixes.VisitorPass + Base45.Encode(buffer.ToArray());
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();

        var check = _verifiers[1].Verify(new ScannedCode(text), Now);

        Assert.Equal(ReasonCodes.Unreadable, check.Reason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 4 * 1024 * 1024, "allocated more than 4 MiB");
    }

    [Fact]
    public void Verify_DeeplyNestedCborSignedByTrustedKey_IsUnreadableWithinBoundedTime()
    {
        // 100,000 nested one-element arrays as the claims, correctly signed: only the depth cap stands in the way.
        var nested = new byte[100_001];
        Array.Fill(nested, (byte)0x81);
        nested[^1] = 0x00;
        var signed = SignedCodeWriter.Sign(nested, _es256.PrivateKey, _es256.Kid);
        var clock = Stopwatch.StartNew();

        Assert.Equal(ReasonCodes.Unreadable, _verifiers[1].Verify(new ScannedCode(SignedCodeWriter.Encode(PassPrefixes.VisitorPass, signed)), Now).Reason);
        Assert.Equal(ReasonCodes.Unreadable, _verifiers[1].Verify(new ScannedCode(SignedCodeWriter.Encode(PassPrefixes.VisitorPass, nested)), Now).Reason);
        Assert.False(CborTree.TryRead(nested, out _));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
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
