namespace GateKiosk.Core.Scanning;

/// <summary>A reader of codes: a keyboard-wedge or serial scanner, a camera, a line stream.</summary>
public interface IScanSource
{
    /// <summary>A short name for logs and telemetry.</summary>
    string Name { get; }

    /// <summary>
    /// Yields one <see cref="RawScan"/> per presentation until <paramref name="cancellationToken"/> fires
    /// or the source ends for good. Sources that can recover (a replugged reader) do so inside.
    /// </summary>
    IAsyncEnumerable<RawScan> ReadAsync(CancellationToken cancellationToken);
}
