using GateKiosk.Core.Scanning;

namespace GateKiosk.Devices.Tests.Scanning;

internal static class ScanSourceTesting
{
    /// <summary>Every wait in these tests is bounded by this.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>The first <paramref name="count"/> scans, or fails when they do not come within <see cref="Bound"/>.</summary>
    public static async Task<List<RawScan>> TakeAsync(IScanSource source, int count, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Bound);
        var scans = new List<RawScan>();
        await foreach (var scan in source.ReadAsync(timeout.Token))
        {
            scans.Add(scan);
            if (scans.Count == count)
            {
                break;
            }
        }

        return scans;
    }
}
