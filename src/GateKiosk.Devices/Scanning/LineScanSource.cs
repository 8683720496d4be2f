using System.Runtime.CompilerServices;
using System.Text;
using GateKiosk.Core.Scanning;

namespace GateKiosk.Devices.Scanning;

/// <summary>
/// One code per line from a text stream: standard input, a file, or a FIFO that a scanner bridge writes.
/// A regular file or standard input ends the source at its end.
/// </summary>
public sealed class LineScanSource : IScanSource
{
    private readonly Func<Stream> _open;
    private readonly TimeProvider _time;

    /// <param name="name">Name for logs.</param>
    /// <param name="open">Opens the stream when reading starts.</param>
    /// <param name="time">Timestamps scans.</param>
    public LineScanSource(string name, Func<Stream> open, TimeProvider time)
    {
        Name = name;
        _open = open;
        _time = time;
    }

    public string Name { get; }

    public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(_open(), Encoding.UTF8);

        // A blocking read on a pipe or terminal does not observe cancellation; stop waiting for it instead,
        // so the kiosk stops at once (the process exit ends the read).
        while (await reader.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken) is { } line)
        {
            var completedAt = _time.GetTimestamp();
            if (line.Length > 0)
            {
                yield return new RawScan(line, completedAt, Name);
            }
        }
    }
}
