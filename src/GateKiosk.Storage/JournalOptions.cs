using Microsoft.Extensions.Options;

namespace GateKiosk.Storage;

/// <summary>The journal's size bound and pruning (configuration section <c>Journal</c>); see <c>docs/journal.md</c>.</summary>
public sealed class JournalOptions
{
    public const string SectionName = "Journal";

    /// <summary>Smallest bound accepted: room for the schema and the reserve for the journal's own events.</summary>
    public const long MinMaxSize = 64 * 1024;

    /// <summary>
    /// Upper bound of the journal database in bytes (rounded down to whole 4 KiB pages). Default 1 GiB: about three
    /// million events, years of a busy gate, and a small share of a Pi's SD card.
    /// </summary>
    public long MaxSize { get; set; } = 1L << 30;

    /// <summary>How long an acknowledged (sent) event stays on the kiosk before pruning deletes it.</summary>
    public TimeSpan SentRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the kiosk prunes (and once at start).</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Names the bad key in the <c>Journal</c> section.</summary>
public sealed class JournalOptionsValidator : IValidateOptions<JournalOptions>
{
    public ValidateOptionsResult Validate(string? name, JournalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxSize < JournalOptions.MinMaxSize)
        {
            errors.Add($"Journal:MaxSize must be at least {JournalOptions.MinMaxSize} bytes (got {options.MaxSize}).");
        }

        if (options.SentRetention < TimeSpan.Zero)
        {
            errors.Add($"Journal:SentRetention must not be negative (got {options.SentRetention}).");
        }

        if (options.PruneInterval < TimeSpan.FromSeconds(1) || options.PruneInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"Journal:PruneInterval must be between 00:00:01 and 1.00:00:00 (got {options.PruneInterval}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
