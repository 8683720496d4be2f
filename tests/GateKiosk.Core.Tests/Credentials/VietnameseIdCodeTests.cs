using System.Collections.Frozen;
using System.Text;
using CsCheck;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.PersonalIds;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Core.Scanning;
using GateKiosk.Testing;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Tests.Credentials;

/// <summary>The chip citizen ID card's QR and PC-Covid's personal QR: recognised by structure, never an exception.</summary>
public sealed class VietnameseIdCodeTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 3, 2);
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private readonly TestIssuer _issuer = new();
    private readonly SignedCredentialSettings _settings;
    private readonly VietnameseIdVerifier _cccd;
    private readonly VietnameseIdVerifier _pcCovid;

    public VietnameseIdCodeTests()
    {
        _settings = new SignedCredentialSettings { Trust = _issuer.Trust, SiteId = "site-a", SubjectHashKey = Key };
        _cccd = new VietnameseIdVerifier(CredentialKinds.VnCccd, _settings);
        _pcCovid = new VietnameseIdVerifier(CredentialKinds.VnPcCovid, _settings);
    }

    public static TheoryData<VietnameseIdCodeGenerator.EdgeCase> EdgeCases()
    {
        var data = new TheoryData<VietnameseIdCodeGenerator.EdgeCase>();
        foreach (var edge in VietnameseIdCodeGenerator.EdgeCases(new VietnameseIdCodeGenerator(14).NextPerson()))
        {
            data.Add(edge);
        }

        return data;
    }

    [Fact]
    public void Parse_GeneratedCards_ReadTheIdAndTheNameInNfc()
    {
        var generator = new VietnameseIdCodeGenerator(1);
        for (var i = 0; i < 500; i++)
        {
            var person = generator.NextPerson();

            var card = VietnameseIdCodes.Parse(person.Cccd(NormalizationForm.FormD), Today);
            var app = VietnameseIdCodes.Parse(person.PcCovid(), Today);

            Assert.Null(card.Problem);
            Assert.Equal(new VietnameseIdCode(CredentialKinds.VnCccd, person.Id, person.FullName), card.Code);
            Assert.Equal(new VietnameseIdCode(CredentialKinds.VnPcCovid, person.Id, person.FullName), app.Code);
        }
    }

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void Verify_EdgeCase_ValidOnlyWhenWellFormedAndNeverMistaken(VietnameseIdCodeGenerator.EdgeCase edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        var decoded = ScanDecoder.Decode(new RawScan(edge.Text, 0, "test"));
        Assert.NotNull(decoded.Code);

        var check = Router().Verify(decoded.Code, Now);

        Assert.Equal(edge.WellFormed ? ReasonCodes.Valid : ReasonCodes.Unreadable, check.Reason);
        Assert.True(KioskOptions.IsPersonalIdCode(check.Credential.Kind), $"{edge.Name} read as {check.Credential.Kind}");
        Assert.Equal(edge.WellFormed, check.Problem is null);
        Assert.Equal(edge.WellFormed, check.HolderName is not null);
        Assert.False(BadgeAllowlistVerifier.IsBadgeNumber(decoded.Code.Text));
    }

    [Theory]
    [InlineData("E1001")]
    [InlineData("001090012345")]
    [InlineData("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B3KL6QM5/OVGA/MAT%ZSC:%5EGNEJ1E30O$7:66HA5")]
    [InlineData("NZCP:/1/2KCEVIQEIVVWK6JNGEASNICZAEP2KALYDZSGSZB2O5SWEOTOPJRXALTDCRE")]
    [InlineData("https://example.org/d/site-a?x=1|2")]
    [InlineData("|001099012345|")]
    [InlineData("Nguyễn Văn An|001099012345")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU|Nguyễn Văn An|01/01/1990|CCCD|Q1|")]
    public void Classify_OtherCodes_AreNotVietnamesePersonalCodes(string text) =>
        Assert.Null(VietnameseIdCodes.Classify(text));

    [Fact]
    public void Classify_SignedPasses_AreNotVietnamesePersonalCodes()
    {
        foreach (var kind in new[] { CredentialKinds.StaffPass, CredentialKinds.VisitorPass, CredentialKinds.HealthDeclaration })
        {
            var text = _issuer.Write(_issuer.Pass(kind, Now, TimeSpan.FromHours(1)));

            Assert.Null(VietnameseIdCodes.Classify(text));
            Assert.Equal(kind, Router().Verify(new ScannedCode(text), Now).Credential.Kind);
        }
    }

    [Fact]
    public void Verify_SameIdOnTheCardAndInTheApp_IsOneSubjectHashedWithTheKey()
    {
        var person = new VietnameseIdCodeGenerator(2).NextPerson();

        var card = _cccd.Verify(new ScannedCode(person.Cccd()), Now);
        var app = _pcCovid.Verify(new ScannedCode(person.PcCovid()), Now);

        Assert.Equal(SubjectHash.Of("vnid", person.Id, Key), card.Credential.SubjectId);
        Assert.Equal(card.Credential.SubjectId, app.Credential.SubjectId);
        Assert.Equal(new CredentialRef(CredentialKinds.VnCccd, null, card.Credential.SubjectId), card.Credential);
        Assert.Equal(CredentialKinds.VnPcCovid, app.Credential.Kind);
    }

    [Fact]
    public void Verify_RevokedSubject_IsRevoked()
    {
        var person = new VietnameseIdCodeGenerator(3).NextPerson();
        var subject = SubjectHash.Of("vnid", person.Id, Key);
        var verifier = new VietnameseIdVerifier(CredentialKinds.VnCccd, new SignedCredentialSettings
        {
            Trust = TrustList.Empty,
            SubjectHashKey = Key,
            Revoked = new[] { subject }.ToFrozenSet(),
        });

        Assert.Equal(ReasonCodes.Revoked, verifier.Verify(new ScannedCode(person.Cccd()), Now).Reason);
    }

    [Theory]
    [InlineData("Nguyễn Văn Anh", "Nguyễn V** A**")]
    [InlineData("Trần Thị Ngọc Ánh", "Trần T** N*** Á**")]
    [InlineData("  Đặng   Đức  ", "Đặng Đ**")]
    [InlineData("Quỳnh", "Q****")]
    [InlineData("NGUYỄN VĂN A", "NGUYỄN V** A")]
    [InlineData("", "")]
    public void Mask_VietnameseName_KeepsTheFamilyNameAndInitials(string name, string expected) =>
        Assert.Equal(expected, NameMask.Mask(name));

    [Fact]
    public void Mask_DecomposedSpelling_GivesTheComposedMask()
    {
        var generator = new VietnameseIdCodeGenerator(4);
        for (var i = 0; i < 200; i++)
        {
            var name = generator.NextPerson().FullName;

            Assert.Equal(NameMask.Mask(name), NameMask.Mask(name.Normalize(NormalizationForm.FormD)));
            Assert.True(NameMask.Mask(name).IsNormalized(NormalizationForm.FormC));
        }
    }

    [Fact]
    public void Verify_RandomPipeSeparatedText_NeverThrows()
    {
        var field = Gen.Char["0123456789/ aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ\u0301\u0300\u0303\u0309\u0323\uD800\uDC00-'.|"].Array[0, 40]
            .Select(chars => new string(chars));
        // Mostly ID-shaped first fields, so that most texts get past recognition into the field checks.
        var id = Gen.OneOf(Gen.Char["0123456789"].Array[1, 13].Select(c => new string(c)), Gen.Char["0123456789ABCZ"].Array[1, 21].Select(c => new string(c)), Gen.String[0, 22]);
        var seen = new HashSet<string>();
        Gen.Select(id, field.Array[0, 12]).Sample((id, fields) =>
        {
            var text = string.Join('|', [id, .. fields]);
            seen.Add(AssertNeverThrows(text).Credential.Kind);
            AssertNeverThrows(string.Join('|', fields));
        }, iter: 5000, threads: 1);

        Assert.Equal(["unknown", "vn-cccd", "vn-pccovid"], seen.Order());
    }

    [Fact]
    public void Verify_MutatedValidCodes_NeverThrowsAndStayVietnameseOrUnknown()
    {
        var generator = new VietnameseIdCodeGenerator(5);
        var people = Enumerable.Range(0, 50).Select(_ => generator.NextPerson()).ToArray();
        var mutation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Char["0|9aĐ\u0301\uD800 \t/"]);
        Gen.Select(Gen.Int[0, people.Length - 1], Gen.Bool, mutation.Array[1, 6]).Sample((p, card, mutations) =>
        {
            var text = new StringBuilder(card ? people[p].Cccd() : people[p].PcCovid());
            foreach (var (op, at, c) in mutations)
            {
                var i = at % (text.Length + 1);
                switch (op)
                {
                    case 0 when i < text.Length:
                        text.Remove(i, 1);
                        break;
                    case 1:
                        text.Insert(i, c);
                        break;
                    case 2 when i < text.Length:
                        text[i] = c;
                        break;
                    default:
                        text.Append(text.ToString(0, i));
                        break;
                }
            }

            var check = AssertNeverThrows(text.ToString());
            Assert.Contains(check.Credential.Kind, (string[])[CredentialKinds.VnCccd, CredentialKinds.VnPcCovid, CredentialKinds.Unknown]);
        }, iter: 5000, threads: 1);
    }

    public void Dispose() => _issuer.Dispose();

    /// <summary>Every verifier of a kiosk, in the kiosk's order; throws (fails the test) instead of logging an internal error.</summary>
    private CredentialVerifier Router() => new(
    [
        new BadgeAllowlistVerifier(Options.Create(new BadgeOptions()), _settings),
        new GateKioskPassVerifier(CredentialKinds.StaffPass, _settings, NoPassUseLedger.Instance),
        new GateKioskPassVerifier(CredentialKinds.VisitorPass, _settings, NoPassUseLedger.Instance),
        new GateKioskPassVerifier(CredentialKinds.HealthDeclaration, _settings, NoPassUseLedger.Instance),
        new EuDccVerifier(_settings),
        _cccd,
        _pcCovid,
    ]);

    /// <summary>Calls the parser, the mask and the verifiers directly, so an exception surfaces here instead of as internal-error.</summary>
    private CredentialCheck AssertNeverThrows(string text)
    {
        var parsed = VietnameseIdCodes.Parse(text, Today);
        if (parsed.Code is { } code)
        {
            Assert.False(string.IsNullOrEmpty(NameMask.Mask(code.FullName)));
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(parsed.Problem));
        }

        var scanned = new ScannedCode(text);
        foreach (var verifier in new[] { _cccd, _pcCovid })
        {
            if (verifier.Recognizes(scanned))
            {
                var check = verifier.Verify(scanned, Now);
                Assert.Contains(check.Reason, (string[])[ReasonCodes.Valid, ReasonCodes.Unreadable]);
                Assert.Equal(parsed.Code is null, check.Reason == ReasonCodes.Unreadable);
                return check;
            }
        }

        Assert.Null(VietnameseIdCodes.Classify(text));
        return new CredentialCheck(ReasonCodes.UnsupportedCredential, new CredentialRef(CredentialKinds.Unknown, null, null));
    }
}
