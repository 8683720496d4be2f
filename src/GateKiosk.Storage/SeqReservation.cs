using System.Globalization;
using System.Runtime.InteropServices;

namespace GateKiosk.Storage;

/// <summary>
/// The highest <c>seq</c> the journal may have handed out, kept in a small file beside the database (<c>journal.seq</c>)
/// so that it survives damage to the database. Numbers are reserved a block at a time: the file is rewritten (write a
/// temporary file, fsync, rename over, fsync the folder) only when the journal crosses into a new block, so an append
/// pays for it once per block and never per scan. A journal rebuilt from damaged files continues above the mark, so a
/// number that may have reached central is never given to another event.
/// </summary>
internal sealed partial class SeqReservation
{
    private const string Header = "# GateKiosk journal: every seq up to the number below may have been used. Do not edit or delete.";

    private readonly string _path;
    private readonly long _blockSize;

    /// <summary>Reads the mark at <paramref name="path"/>; a missing or unreadable file reserves nothing.</summary>
    public SeqReservation(string path, long blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _path = path;
        _blockSize = blockSize;
        (ReservedThrough, Problem) = Read(path);
    }

    /// <summary>
    /// Why the file could not be used although it exists (unreadable, or no number in it); null when it was read or is
    /// absent. The journal then cannot tell whether numbers above its last event were handed out.
    /// </summary>
    public string? Problem { get; }

    /// <summary>The file.</summary>
    public string FilePath => _path;

    /// <summary>Every seq up to this one may have been used (0: none reserved, or no file).</summary>
    public long ReservedThrough { get; private set; }

    /// <summary>
    /// Makes sure <paramref name="seq"/> is reserved before it is used: when it lies beyond the mark, reserves through the
    /// end of its block and makes that durable first. Throws <see cref="IOException"/> when the file cannot be written.
    /// </summary>
    public void Cover(long seq)
    {
        if (seq <= ReservedThrough)
        {
            return;
        }

        var through = (seq + _blockSize - 1) / _blockSize * _blockSize;
        try
        {
            Write(through);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"cannot write the seq reservation {_path}: {ex.Message}", ex);
        }

        ReservedThrough = through;
    }

    private void Write(long through)
    {
        var temporary = _path + ".tmp";
        using (var file = GateKiosk.Core.PrivateFiles.CreateFile(temporary))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes($"{Header}\n{through.ToString(CultureInfo.InvariantCulture)}\n"));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
    }

    private static (long Through, string? Problem) Read(string path)
    {
        try
        {
            var value = File.ReadLines(path).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var through)
                ? (through, null)
                : (0, $"{Path.GetFileName(path)} holds no seq number");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (0, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (0, $"{Path.GetFileName(path)} cannot be read: {ex.Message}");
        }
    }

    /// <summary>
    /// fsyncs a folder so that a rename in it survives a power cut (rename(2) alone is atomic but not durable). .NET has no
    /// API for this: a directory cannot be opened as a <see cref="FileStream"/>.
    /// </summary>
    internal static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS makes the rename durable with the file's own flush; the kiosk runs on Linux anyway.
        }

        var fd = OpenReadOnly(directory, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to make the seq reservation durable (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot fsync {directory} to make the seq reservation durable (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenReadOnly(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
