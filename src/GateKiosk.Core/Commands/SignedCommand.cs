using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;

namespace GateKiosk.Core.Commands;

/// <summary>
/// A command that acts on the door (<c>open-once</c>, <c>lockdown</c>, <c>release-lockdown</c>), signed by central with its
/// policy key: a COSE_Sign1 message (ES256) over a CBOR map naming its target kiosk, an expiry and a nonce
/// (docs/contracts/command.cddl). Sent on the kiosk's <c>cmd</c> topic beside the JSON commands, which a kiosk tells
/// apart by the first byte.
/// </summary>
public sealed record SignedCommand
{
    /// <summary>Default time a command stays valid after it is issued.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(30);

    /// <summary>Longest lifetime a kiosk accepts, whatever the command says.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    public required Guid CommandId { get; init; }

    /// <summary><see cref="CommandTypes.OpenOnce"/>, <see cref="CommandTypes.Lockdown"/> or <see cref="CommandTypes.ReleaseLockdown"/>.</summary>
    public required string Type { get; init; }

    public required string SiteId { get; init; }

    public required string KioskId { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>16 random bytes; a kiosk carries out a nonce once.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>The user who sent it (journaled with the command), 1–64 characters.</summary>
    public required string IssuedBy { get; init; }

    /// <summary>Signs this command with <paramref name="key"/> (P-256).</summary>
    public byte[] Sign(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(8);
        w.WriteInt32(1);
        w.WriteByteString(CommandId.ToByteArray(bigEndian: true));
        w.WriteInt32(2);
        w.WriteTextString(Type);
        w.WriteInt32(3);
        w.WriteTextString(SiteId);
        w.WriteInt32(4);
        w.WriteTextString(KioskId);
        w.WriteInt32(5);
        w.WriteInt64(IssuedAt.ToUnixTimeMilliseconds());
        w.WriteInt32(6);
        w.WriteInt64(ExpiresAt.ToUnixTimeMilliseconds());
        w.WriteInt32(7);
        w.WriteByteString(Nonce);
        w.WriteInt32(8);
        w.WriteTextString(IssuedBy);
        w.WriteEndMap();
        var headers = new CoseHeaderMap { [CoseHeaderLabel.KeyIdentifier] = CoseHeaderValue.FromBytes(TrustedKey.KidOf(key)) };
        return CoseSign1Message.SignEmbedded(w.Encode(), new CoseSigner(key, HashAlgorithmName.SHA256, headers));
    }

    /// <summary>Verifies <paramref name="wire"/> with <paramref name="key"/> and reads it; null when it is not a validly signed command.</summary>
    public static SignedCommand? Open(ReadOnlyMemory<byte> wire, TrustedKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (wire.Length > 2048 || !SignedCode.TryDecode(wire, out var message) || message?.Content is not { } content
            || SignedCode.VerifySignature(message, [key], out _) != ReasonCodes.Valid)
        {
            return null;
        }

        try
        {
            var r = new CborReader(content, CborConformanceMode.Strict);
            if (r.ReadStartMap() != 8)
            {
                return null;
            }

            Key(r, 1);
            var id = r.ReadByteString();
            Key(r, 2);
            var type = r.ReadTextString();
            Key(r, 3);
            var site = r.ReadTextString();
            Key(r, 4);
            var kiosk = r.ReadTextString();
            Key(r, 5);
            var issued = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
            Key(r, 6);
            var expires = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
            Key(r, 7);
            var nonce = r.ReadByteString();
            Key(r, 8);
            var by = r.ReadTextString();
            r.ReadEndMap();
            return r.BytesRemaining == 0 && id.Length == 16 && nonce.Length == 16 && by.Length is > 0 and <= 64 && !by.Any(char.IsControl)
                && type is CommandTypes.OpenOnce or CommandTypes.Lockdown or CommandTypes.ReleaseLockdown
                && Ids.IsValid(site) && Ids.IsValid(kiosk)
                ? new SignedCommand
                {
                    CommandId = new Guid(id, bigEndian: true),
                    Type = type,
                    SiteId = site,
                    KioskId = kiosk,
                    IssuedAt = issued,
                    ExpiresAt = expires,
                    Nonce = nonce,
                    IssuedBy = by,
                }
                : null;
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static void Key(CborReader r, int key)
    {
        if (r.ReadInt32() != key)
        {
            throw new FormatException("key order");
        }
    }
}
