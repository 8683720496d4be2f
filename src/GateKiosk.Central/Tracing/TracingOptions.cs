using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Tracing;

/// <summary>How stays and contacts are built (configuration section <c>Tracing</c>); see docs/tracing.md.</summary>
public sealed class TracingOptions
{
    public const string SectionName = "Tracing";

    /// <summary>An exit this long after the entry or later does not end the stay (the stay is assumed instead).</summary>
    public TimeSpan MaxStay { get; set; } = TimeSpan.FromHours(16);

    /// <summary>How long a stay without a fitting exit lasts, cut at the end of the site's local day.</summary>
    public TimeSpan AssumedStay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Two people whose stays at one site overlap at least this long are in contact.</summary>
    public TimeSpan MinOverlap { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The IANA time zone of every site's local day (the end of a stay without exit, the daily report). Sites carry no
    /// time zone of their own yet, so one zone serves them all.
    /// </summary>
    public string TimeZone { get; set; } = "Asia/Ho_Chi_Minh";

    /// <summary>The zone <see cref="TimeZone"/> names (validated at start).</summary>
    internal TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>Names the bad key in the <c>Tracing</c> section.</summary>
public sealed class TracingOptionsValidator : IValidateOptions<TracingOptions>
{
    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxStay < TimeSpan.FromMinutes(1) || options.MaxStay > TimeSpan.FromDays(7))
        {
            errors.Add($"Tracing:MaxStay must be between 00:01:00 and 7.00:00:00 (got {options.MaxStay}).");
        }

        if (options.AssumedStay < TimeSpan.FromMinutes(1) || options.AssumedStay > TimeSpan.FromDays(1))
        {
            errors.Add($"Tracing:AssumedStay must be between 00:01:00 and 1.00:00:00 (got {options.AssumedStay}).");
        }

        if (options.MinOverlap < TimeSpan.Zero || options.MinOverlap > TimeSpan.FromDays(1))
        {
            errors.Add($"Tracing:MinOverlap must be between 00:00:00 and 1.00:00:00 (got {options.MinOverlap}).");
        }

        try
        {
            _ = options.Zone;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            errors.Add($"Tracing:TimeZone '{options.TimeZone}' is not a time zone this machine knows (for example Asia/Ho_Chi_Minh).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
