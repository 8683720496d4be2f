namespace GateKiosk.Central.Tracing;

/// <summary>A site's local days in its time zone (<see cref="TracingOptions.TimeZone"/> for every site, until sites carry their own).</summary>
internal sealed class SiteClock(TimeZoneInfo zone)
{
    public TimeZoneInfo Zone => zone;

    /// <summary>The local date of <paramref name="at"/>.</summary>
    public DateOnly DateOf(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    /// <summary>The instant the local day <paramref name="date"/> begins (the first valid local time from midnight on).</summary>
    public DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

        // A zone may skip midnight when it moves its clocks: the day then begins at the first local time that exists.
        for (var i = 0; i < 24 * 60 && zone.IsInvalidTime(local); i++)
        {
            local = local.AddMinutes(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>The end of the local day <paramref name="at"/> falls in: the start of the next one.</summary>
    public DateTimeOffset EndOfDay(DateTimeOffset at) => StartOf(DateOf(at).AddDays(1));
}
