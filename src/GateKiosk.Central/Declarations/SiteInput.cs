using GateKiosk.Contracts;

namespace GateKiosk.Central.Declarations;

/// <summary>What a person may change of a site: its name, address and time zone, trimmed and checked.</summary>
internal sealed record SiteDetails(string Name, string Address, string TimeZone);

/// <summary>
/// The rules of a site's id, name, address and time zone, the same for the command line, the Sites page and the API;
/// a wrong value comes back as the field's JSON name (<c>id</c>, <c>name</c>, <c>address</c>, <c>timeZone</c>) and why.
/// </summary>
internal static class SiteInput
{
    public const string IdField = "id";
    public const string NameField = "name";
    public const string AddressField = "address";
    public const string TimeZoneField = "timeZone";

    /// <summary>Null when <paramref name="id"/> is a site id (1–64 of <c>[a-z0-9-]</c>, as the kiosks' <c>Kiosk:SiteId</c>).</summary>
    public static DeclarationError? CheckId(string? id) =>
        id is not null && Ids.IsValid(id) ? null : new DeclarationError(IdField, "must be 1–64 of [a-z0-9-], as the kiosks' Kiosk:SiteId.");

    /// <summary>
    /// Reads the details; a missing time zone is <see cref="Site.DefaultTimeZone"/>. Null when they are good, else the
    /// first wrong field.
    /// </summary>
    public static DeclarationError? TryRead(string? name, string? address, string? timeZone, out SiteDetails details)
    {
        details = new SiteDetails("", "", Site.DefaultTimeZone);
        if (Text(name, Site.MaxNameLength) is not { } goodName)
        {
            return new DeclarationError(NameField, $"is required: 1–{Site.MaxNameLength} characters, no control characters.");
        }

        if (Text(address, Site.MaxAddressLength) is not { } goodAddress)
        {
            return new DeclarationError(AddressField, $"is required: 1–{Site.MaxAddressLength} characters, no control characters.");
        }

        var zone = string.IsNullOrWhiteSpace(timeZone) ? Site.DefaultTimeZone : timeZone.Trim();
        if (zone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            return new DeclarationError(TimeZoneField, "is not a known IANA time zone (for example Asia/Ho_Chi_Minh).");
        }

        details = new SiteDetails(goodName, goodAddress, zone);
        return null;
    }

    private static string? Text(string? text, int max) =>
        text?.Trim() is { Length: > 0 } t && t.Length <= max && !t.Any(char.IsControl) ? t : null;
}
