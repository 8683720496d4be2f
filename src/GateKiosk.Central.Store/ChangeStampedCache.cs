namespace GateKiosk.Central.Storage;

/// <summary>
/// The last value read of something the store holds, read again only when the store's change stamp says that something
/// was committed since. A dashboard open in many tabs asks for the same kiosk list every second; while nothing is
/// written, each ask costs one stamp query instead of the whole read. Reads on a miss are made one at a time, so tabs
/// asking together share one read.
/// </summary>
/// <param name="stamp">
/// A value that differs after any commit to the store, by any connection or process (SQLite's <c>data_version</c>,
/// PostgreSQL's current snapshot); null when it cannot be told, and then every call reads.
/// </param>
/// <param name="read">Reads the value; called after the stamp, so a commit in between is seen by the next call.</param>
internal sealed class ChangeStampedCache<T>(Func<string?> stamp, Func<T> read)
    where T : class
{
    private readonly Lock _lock = new();
    private string? _stamp;
    private T? _value;

    public T Get()
    {
        lock (_lock)
        {
            var now = stamp();
            if (now is not null && _value is not null && string.Equals(now, _stamp, StringComparison.Ordinal))
            {
                return _value;
            }

            _value = null;
            var value = read();
            (_stamp, _value) = (now, value);
            return value;
        }
    }
}
