using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Scanning;

/// <summary>Where scans come from.</summary>
public enum ScannerKind
{
    /// <summary>One code per line on standard input.</summary>
    Stdin,

    /// <summary>One code per line from a file or FIFO (reopened when the writer closes it).</summary>
    File,
}

/// <summary>The scan source (configuration section <c>Scanner</c>).</summary>
public sealed class ScannerOptions
{
    public const string SectionName = "Scanner";

    public ScannerKind Source { get; set; } = ScannerKind.Stdin;

    /// <summary>The file or FIFO for <see cref="ScannerKind.File"/>.</summary>
    public string? Path { get; set; }
}

/// <summary>Names the bad key in the <c>Scanner</c> section.</summary>
public sealed class ScannerOptionsValidator : IValidateOptions<ScannerOptions>
{
    public ValidateOptionsResult Validate(string? name, ScannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Source == ScannerKind.File && string.IsNullOrWhiteSpace(options.Path)
            ? ValidateOptionsResult.Fail("Scanner:Path is required when Scanner:Source is File.")
            : ValidateOptionsResult.Success;
    }
}
