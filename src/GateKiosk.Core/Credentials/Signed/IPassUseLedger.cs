using System.Collections.Concurrent;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>Remembers single-use passes that have opened a door.</summary>
public interface IPassUseLedger
{
    /// <summary>Records a use of <paramref name="passId"/>; false when it was already used.</summary>
    bool TryUse(string passId, DateTimeOffset expires, DateTimeOffset now);
}

/// <summary>
/// The kiosk's own memory of single-use passes, kept until each pass expires. It is per kiosk and lives as long as the
/// process: a pass used at one kiosk is not yet known to the others.
/// </summary>
public sealed class InMemoryPassUseLedger : IPassUseLedger
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    public bool TryUse(string passId, DateTimeOffset expires, DateTimeOffset now)
    {
        if (_used.Count > 1024)
        {
            foreach (var (id, until) in _used)
            {
                if (until < now)
                {
                    _used.TryRemove(id, out _);
                }
            }
        }

        return _used.TryAdd(passId, expires);
    }
}

/// <summary>Records nothing: for verifiers whose kind the door does not accept (the decider denies them anyway).</summary>
public sealed class NoPassUseLedger : IPassUseLedger
{
    public static NoPassUseLedger Instance { get; } = new();

    public bool TryUse(string passId, DateTimeOffset expires, DateTimeOffset now) => true;
}
