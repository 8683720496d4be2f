using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Scanning;

/// <summary>Where scans come from.</summary>
public enum ScannerKind
{
    /// <summary>One code per line on standard input.</summary>
    Stdin,

    /// <summary>One code per line from a file, read once to its end.</summary>
    File,

    /// <summary>
    /// One code per line from a named pipe that a scanner bridge writes to. It is held open for reading and
    /// writing, so writers may come and go without ending the source.
    /// </summary>
    Fifo,
}

/// <summary>The scan source (configuration section <c>Scanner</c>).</summary>
public sealed class ScannerOptions
{
    public const string SectionName = "Scanner";

    public ScannerKind Source { get; set; } = ScannerKind.Stdin;

    /// <summary>The file for <see cref="ScannerKind.File"/> or the named pipe for <see cref="ScannerKind.Fifo"/>.</summary>
    public string? Path { get; set; }
}

/// <summary>Names the bad key in the <c>Scanner</c> section.</summary>
public sealed class ScannerOptionsValidator : IValidateOptions<ScannerOptions>
{
    public ValidateOptionsResult Validate(string? name, ScannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Source is ScannerKind.File or ScannerKind.Fifo && string.IsNullOrWhiteSpace(options.Path)
            ? ValidateOptionsResult.Fail($"Scanner:Path is required when Scanner:Source is {options.Source}.")
            : ValidateOptionsResult.Success;
    }
}
