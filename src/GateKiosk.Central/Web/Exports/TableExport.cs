using System.Globalization;

namespace GateKiosk.Central.Web.Exports;

/// <summary>
/// Writes a table (a header of stable column names, then rows) to the response as a CSV or XLSX download, row by row:
/// CSV straight to the response, XLSX through a temporary file deleted on close (a zip cannot be written to the response
/// synchronously), as the event export does. Text cells are neutralised by <see cref="CsvTable"/> and
/// <see cref="XlsxTable"/>. <c>record</c> is called with the row count once every row is written and before the file's
/// last bytes leave, so the caller's audit record is in place when the client has the whole file.
/// </summary>
internal static class TableExport
{
    /// <summary>The content type of <paramref name="format"/>.</summary>
    public static string ContentType(string format) => format == ExportFormats.Csv
        ? "text/csv; charset=utf-8"
        : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>Writes <paramref name="rows"/> under <paramref name="columns"/> as <c>{fileName}.{format}</c> (sheet <paramref name="sheetName"/>); returns the rows written.</summary>
    public static async Task<long> WriteAsync(
        HttpResponse response, string format, string fileName, string sheetName, IReadOnlyList<string> columns, IEnumerable<object?[]> rows, Func<long, Task> record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(record);
        if (!ExportFormats.IsValid(format))
        {
            throw new ArgumentException("format must be csv or xlsx", nameof(format));
        }

        response.ContentType = ContentType(format);
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.{format}\"";
        response.Headers.CacheControl = "no-store";
        long count = 0;
        if (format == ExportFormats.Csv)
        {
            await using var csv = new CsvTable(response.Body);
            await csv.WriteRowAsync(columns, cancellationToken);
            foreach (var row in rows)
            {
                await csv.WriteRowAsync([.. row.Select(Text)], cancellationToken);
                if (++count % 1000 == 0)
                {
                    await csv.FlushAsync(cancellationToken);
                }
            }

            await record(count);
            return count;
        }

        await using var file = new FileStream(
            Path.Combine(Path.GetTempPath(), "gk-export-" + Guid.NewGuid().ToString("N") + ".xlsx"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        using (var sheet = new XlsxTable(file, sheetName))
        {
            sheet.WriteRow([.. columns]);
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sheet.WriteRow(row);
                count++;
            }
        }

        await record(count);
        file.Position = 0;
        response.ContentLength = file.Length;
        await file.CopyToAsync(response.Body, cancellationToken);
        return count;
    }

    /// <summary>A cell as CSV text: numbers in the invariant culture, null as empty.</summary>
    private static string? Text(object? cell) => cell switch
    {
        null => null,
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        _ => Convert.ToString(cell, CultureInfo.InvariantCulture),
    };
}
