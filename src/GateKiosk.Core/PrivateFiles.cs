namespace GateKiosk.Core;

/// <summary>
/// Data folders and files that only the service (and its group) may read: the journal and central's store hold
/// who came through which gate and when. A folder the program creates is 0750 and a file 0640, whatever the umask
/// of whoever started it (a technician's shell is usually 022, which would leave them readable by every local user).
/// SQLite creates its <c>-wal</c>, <c>-shm</c> and rollback journal with the database file's own mode, so creating
/// the database file 0640 before SQLite opens it covers them too. A folder that already exists keeps its mode (it
/// may be shared, or made by systemd's <c>StateDirectory=</c>); existing data files are narrowed to at most 0640.
/// Plain .NET file modes, no device or database types: both the kiosk's journal and central's store use it.
/// </summary>
public static class PrivateFiles
{
    /// <summary>rwxr-x---.</summary>
    public const UnixFileMode DataFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>rw-r-----.</summary>
    public const UnixFileMode DataFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private static readonly string[] SqliteCompanions = ["-wal", "-shm", "-journal"];

    /// <summary>Creates <paramref name="folder"/> (and missing parents) 0750 when it does not exist yet.</summary>
    public static void CreateFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (Directory.Exists(folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        Directory.CreateDirectory(folder, DataFolderMode);
        File.SetUnixFileMode(folder, DataFolderMode);
    }

    /// <summary>
    /// Before SQLite opens <paramref name="databasePath"/>: its folder exists (0750 if made here), the database file
    /// exists with at most 0640 (an empty file is a new database to SQLite), and so do any companions left beside it.
    /// </summary>
    public static void PrepareDatabase(string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var path = Path.GetFullPath(databasePath);
        CreateFolder(Path.GetDirectoryName(path)!);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(path))
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = DataFileMode,
            });
        }

        Narrow(path);
        foreach (var suffix in SqliteCompanions)
        {
            if (File.Exists(path + suffix))
            {
                Narrow(path + suffix);
            }
        }
    }

    /// <summary>Creates or truncates <paramref name="path"/> for writing, with at most 0640.</summary>
    public static FileStream CreateFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        }

        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = DataFileMode,
        });
        try
        {
            // A file left by an earlier run keeps its mode when it is truncated.
            Narrow(path);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Narrow(string path)
    {
        var mode = File.GetUnixFileMode(path);
        var narrowed = mode & DataFileMode;
        if (narrowed != mode)
        {
            File.SetUnixFileMode(path, narrowed);
        }
    }
}
