namespace GateKiosk.Testing;

/// <summary>Damages a journal the way a torn write on an SD card can: its database file loses its last pages.</summary>
public static class TornJournal
{
    /// <summary>
    /// Cuts the database file of a closed journal (no <c>-wal</c> left: closing checkpointed it) to
    /// <paramref name="keep"/> of its length, in whole 4 KiB pages. The newest events are in the last pages, so they go.
    /// </summary>
    public static void CutTail(string databasePath, double keep)
    {
        if (File.Exists(databasePath + "-wal"))
        {
            throw new InvalidOperationException("close the journal first: its newest events are still in the WAL");
        }

        using var file = new FileStream(databasePath, FileMode.Open);
        file.SetLength((long)(file.Length * keep) / 4096 * 4096);
    }
}
