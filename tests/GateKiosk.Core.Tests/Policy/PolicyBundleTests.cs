using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Policy;

namespace GateKiosk.Core.Tests.Policy;

public sealed class PolicyBundleTests
{
    private static readonly byte[] HashKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    internal static PolicyBundle Sample(long version = 3, string site = "site-1", params string[] badges)
    {
        var hashes = (badges.Length == 0 ? ["B1", "B2", "B3"] : badges).Select(b => BadgeHash.Of(HashKey, b)).OrderBy(h => h, ByteOrder.Instance).ToList();
        return new PolicyBundle
        {
            SiteId = site,
            Version = version,
            IssuedAt = new DateTimeOffset(2026, 12, 6, 1, 2, 3, 456, TimeSpan.Zero),
            Schedules = [[new ScheduleWindow([1, 2, 3, 4, 5], new TimeOnly(7, 0), new TimeOnly(19, 0)), new ScheduleWindow([6], new TimeOnly(8, 0), new TimeOnly(12, 30))]],
            BadgeHashes = [.. hashes.SelectMany(h => h)],
            BadgeSchedules = [.. hashes.Select((_, i) => (ushort)(i % 2))],
            Doors = new Dictionary<string, DoorPolicy>
            {
                ["*"] = new([CredentialKinds.Badge]),
                ["gate-2"] = new([CredentialKinds.Badge, CredentialKinds.StaffPass], TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30), "out"),
            },
            Revoked = ["00112233445566778899aabbccddeeff", "S-0042"],
            Degraded = new DegradedRules(false, true, TimeSpan.FromHours(24), true),
            AntiPassback = AntiPassbackModes.Hard,
        };
    }

    internal static byte[] Key(string badge) => BadgeHash.Of(HashKey, badge);

    internal static byte[] HashKeyBytes => HashKey;

    [Fact]
    public void ToCbor_ThenTryFromCbor_GivesBackEveryField()
    {
        var bundle = Sample();

        Assert.True(PolicyBundle.TryFromCbor(bundle.ToCbor(), out var read));

        Assert.Equal((bundle.SiteId, bundle.Version, bundle.IssuedAt, bundle.AntiPassback, bundle.Degraded), (read!.SiteId, read.Version, read.IssuedAt, read.AntiPassback, read.Degraded));
        Assert.Equal(bundle.BadgeHashes, read.BadgeHashes);
        Assert.Equal(bundle.BadgeSchedules, read.BadgeSchedules);
        Assert.Equal(bundle.Revoked, read.Revoked);
        Assert.Equal(bundle.Doors["gate-2"].AcceptedKinds, read.Doors["gate-2"].AcceptedKinds);
        Assert.Equal(bundle.Doors["gate-2"] with { AcceptedKinds = null }, read.Doors["gate-2"] with { AcceptedKinds = null });
        Assert.Equal(bundle.Schedules[0].Select(w => (string.Join(',', w.Days), w.From, w.To)), read.Schedules[0].Select(w => (string.Join(',', w.Days), w.From, w.To)));
        Assert.Equal(bundle.ToCbor(), read.ToCbor());
    }

    [Fact]
    public void FindBadge_ListedAndUnlisted_FindsOnlyTheListed()
    {
        var bundle = Sample(badges: ["B1", "B2", "B3", "B4", "B5"]);

        foreach (var badge in new[] { "B1", "B2", "B3", "B4", "B5" })
        {
            Assert.True(bundle.FindBadge(Key(badge)) >= 0, badge);
        }

        Assert.Equal(-1, bundle.FindBadge(Key("B6")));
        Assert.Equal(-1, bundle.FindBadge(Key("b1")));
    }

    [Fact]
    public void TryFromCbor_EveryTruncationAndATrailingByte_Refused()
    {
        var cbor = Sample().ToCbor();
        for (var length = 0; length < cbor.Length; length++)
        {
            Assert.False(PolicyBundle.TryFromCbor(cbor.AsMemory(0, length), out _), $"truncated to {length}");
        }

        Assert.False(PolicyBundle.TryFromCbor(cbor.Append((byte)0).ToArray(), out _));
    }

    [Fact]
    public void TryFromCbor_UnsortedOrDuplicateHashes_Refused()
    {
        var sorted = Sample();
        var swapped = sorted.BadgeHashes.ToArray();
        sorted.BadgeHashes.AsSpan(0, 16).CopyTo(swapped.AsSpan(16));
        sorted.BadgeHashes.AsSpan(16, 16).CopyTo(swapped.AsSpan(0));
        var duplicate = sorted.BadgeHashes.ToArray();
        sorted.BadgeHashes.AsSpan(0, 16).CopyTo(duplicate.AsSpan(16));

        Assert.False(PolicyBundle.TryFromCbor((sorted with { BadgeHashes = swapped }).ToCbor(), out _));
        Assert.False(PolicyBundle.TryFromCbor((sorted with { BadgeHashes = duplicate }).ToCbor(), out _));
    }

    [Theory]
    [InlineData("schedule")]
    [InlineData("site")]
    [InlineData("mode")]
    [InlineData("version")]
    public void TryFromCbor_FieldOutOfItsRange_Refused(string field)
    {
        var good = Sample();
        var bad = field switch
        {
            "schedule" => good with { BadgeSchedules = [.. good.BadgeSchedules.Select(_ => (ushort)2)] },
            "site" => good with { SiteId = "Site/1" },
            "mode" => good with { AntiPassback = "sometimes" },
            _ => good with { Version = 0 },
        };

        Assert.False(PolicyBundle.TryFromCbor(bad.ToCbor(), out _));
    }

    [Fact]
    public void Open_SignedByThePolicyKey_ReadsTheBundle()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (bundle, rejection) = PolicyReader.Open(PolicySigner.Sign(Sample(), key), TrustedKey.FromKey(key), 1 << 20);

        Assert.Null(rejection);
        Assert.Equal(3, bundle!.Version);
    }

    [Fact]
    public void Open_OtherKeyOrAlteredPayload_IsBadSignature()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signed = PolicySigner.Sign(Sample(), key);
        var altered = signed.ToArray();
        altered[^80] ^= 1; // inside the compressed payload, before the 64-byte signature

        Assert.Equal(PolicyRejections.BadSignature, PolicyReader.Open(PolicySigner.Sign(Sample(), other), TrustedKey.FromKey(key), 1 << 20).Rejection);
        Assert.Equal(PolicyRejections.BadSignature, PolicyReader.Open(altered, TrustedKey.FromKey(key), 1 << 20).Rejection);
    }

    [Fact]
    public void Open_SignedPayloadInflatingPastTheCap_IsUnreadable()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var bomb = PolicySigner.SignCompressed(BoundedInflater.Deflate(new byte[4 << 20]), key);

        Assert.Equal(PolicyRejections.Unreadable, PolicyReader.Open(bomb, TrustedKey.FromKey(key), 1 << 20).Rejection);
        Assert.Equal(PolicyRejections.Unreadable, PolicyReader.Open(new byte[] { 0x84, 0x40, 0xa0, 0x40 }, TrustedKey.FromKey(key), 1 << 20).Rejection);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static ByteOrder Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
