using System.Runtime.CompilerServices;
using System.Text;
using GateKiosk.Core.Scanning;

namespace GateKiosk.Devices.Scanning;

/// <summary>
/// One code per line from a text stream: standard input, a file, or a FIFO that a scanner bridge writes.
/// When a FIFO's writer goes away the FIFO is opened again; a regular file or standard input ends the source.
/// </summary>
public sealed class LineScanSource : IScanSource
{
    private readonly Func<Stream> _open;
    private readonly bool _reopen;
    private readonly TimeProvider _time;

    /// <param name="name">Name for logs.</param>
    /// <param name="open">Opens the stream; called again after end of stream when <paramref name="reopen"/>.</param>
    /// <param name="reopen">Open again after end of stream when the stream is not seekable (a FIFO, whose writers come and go).</param>
    /// <param name="time">Timestamps scans.</param>
    public LineScanSource(string name, Func<Stream> open, bool reopen, TimeProvider time)
    {
        Name = name;
        _open = open;
        _reopen = reopen;
        _time = time;
    }

    public string Name { get; }

    public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool again;
        do
        {
            var stream = _open();
            again = _reopen && !stream.CanSeek;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                var completedAt = _time.GetTimestamp();
                if (line.Length > 0)
                {
                    yield return new RawScan(line, completedAt, Name);
                }
            }
        }
        while (again && !cancellationToken.IsCancellationRequested);
    }
}
