namespace GateKiosk.Core.Scanning;

/// <summary>What telemetry and the self-test report about the reader.</summary>
/// <param name="Source">The reader's name.</param>
/// <param name="Connected">Whether the reader is present and open now.</param>
/// <param name="LastReadAt">When the reader last delivered a code, or null when it has not since start.</param>
/// <param name="Reads">Codes delivered since start.</param>
/// <param name="DecodeFailures">
/// Presentations the reader saw but rejected since start: camera frames with no readable code, keyboard input
/// typed by a human or holding characters outside the configured set, serial lines that were not text.
/// </param>
/// <param name="Disconnects">How often the reader went away since start.</param>
public sealed record ScannerHealth(
    string Source,
    bool Connected,
    DateTimeOffset? LastReadAt,
    long Reads,
    long DecodeFailures,
    long Disconnects);

/// <summary>Reads the reader's health (telemetry, self-test).</summary>
public interface IScannerHealth
{
    /// <summary>The health now.</summary>
    ScannerHealth Current { get; }

    /// <summary>
    /// Raised when the reader goes away (<see cref="ScannerHealth.Connected"/> false) or comes back (true),
    /// on the reader's thread; a reader that disappears is journaled as a system event.
    /// </summary>
    event EventHandler<ScannerHealth>? ConnectionChanged;
}

/// <summary>The health a scan source keeps up to date; thread-safe.</summary>
public sealed class ScannerHealthTracker : IScannerHealth
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private ScannerHealth _current;

    /// <summary>Creates the tracker of the reader named <paramref name="source"/>, not connected yet.</summary>
    public ScannerHealthTracker(string source, TimeProvider time)
    {
        _time = time;
        _current = new ScannerHealth(source, Connected: false, LastReadAt: null, Reads: 0, DecodeFailures: 0, Disconnects: 0);
    }

    /// <inheritdoc />
    public ScannerHealth Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <inheritdoc />
    public event EventHandler<ScannerHealth>? ConnectionChanged;

    /// <summary>The reader is open.</summary>
    public void MarkConnected() => SetConnected(true);

    /// <summary>The reader went away (unplugged, closed, failed to open).</summary>
    public void MarkDisconnected() => SetConnected(false);

    /// <summary>The reader delivered a code.</summary>
    public void RecordRead()
    {
        lock (_gate)
        {
            _current = _current with { LastReadAt = _time.GetUtcNow(), Reads = _current.Reads + 1 };
        }
    }

    /// <summary>The reader saw something it rejected.</summary>
    public void RecordDecodeFailure()
    {
        lock (_gate)
        {
            _current = _current with { DecodeFailures = _current.DecodeFailures + 1 };
        }
    }

    private void SetConnected(bool connected)
    {
        ScannerHealth changed;
        lock (_gate)
        {
            if (_current.Connected == connected)
            {
                return;
            }

            _current = _current with
            {
                Connected = connected,
                Disconnects = connected ? _current.Disconnects : _current.Disconnects + 1,
            };
            changed = _current;
        }

        ConnectionChanged?.Invoke(this, changed);
    }
}
