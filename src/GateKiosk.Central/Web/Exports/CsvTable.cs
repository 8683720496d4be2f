using System.Text;

namespace GateKiosk.Central.Web.Exports;

/// <summary>
/// A CSV file written row by row to a stream (RFC 4180: comma, CRLF, quotes doubled), UTF-8 with a byte order mark so
/// that spreadsheets read Vietnamese correctly. Each cell goes through <see cref="CellText.Neutralise"/>.
/// </summary>
public sealed class CsvTable : IAsyncDisposable
{
    private readonly StreamWriter _writer;

    public CsvTable(Stream output) =>
        _writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\r\n" };

    public async Task WriteRowAsync(IReadOnlyList<string?> cells, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cells);
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                await _writer.WriteAsync(',');
            }

            await _writer.WriteAsync(Quote(CellText.Neutralise(cells[i])).AsMemory(), cancellationToken);
        }

        await _writer.WriteLineAsync();
    }

    /// <summary>Sends what is buffered, so a long export reaches the client as it goes.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _writer.FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _writer.FlushAsync();
        await _writer.DisposeAsync();
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
