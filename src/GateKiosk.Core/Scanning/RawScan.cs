namespace GateKiosk.Core.Scanning;

/// <summary>One presentation of a code as a reader delivered it.</summary>
/// <param name="Text">The exact text of the code, without the reader's terminator.</param>
/// <param name="CompletedAt">
/// <see cref="TimeProvider.GetTimestamp"/> of the moment the scan was complete (last byte or frame);
/// latency is measured from here.
/// </param>
/// <param name="Source">Which reader delivered it (for logs and telemetry).</param>
public sealed record RawScan(string Text, long CompletedAt, string Source);
