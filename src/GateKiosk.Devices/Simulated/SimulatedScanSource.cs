using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GateKiosk.Core.Scanning;

namespace GateKiosk.Devices.Simulated;

/// <summary>A reader that delivers whatever <see cref="Present"/> is given: the demo's scripted people and typed lines, and tests.</summary>
public sealed class SimulatedScanSource : IScanSource
{
    private readonly Channel<RawScan> _scans = Channel.CreateUnbounded<RawScan>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _time;

    public SimulatedScanSource(string name, TimeProvider time)
    {
        Name = name;
        _time = time;
    }

    public string Name { get; }

    /// <summary>Presents a code to the reader now; returns the scan that will be delivered.</summary>
    public RawScan Present(string text)
    {
        var scan = new RawScan(text, _time.GetTimestamp(), Name);
        _scans.Writer.TryWrite(scan);
        return scan;
    }

    /// <summary>Ends the source.</summary>
    public void Complete() => _scans.Writer.TryComplete();

    public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var scan in _scans.Reader.ReadAllAsync(cancellationToken))
        {
            yield return scan;
        }
    }
}
