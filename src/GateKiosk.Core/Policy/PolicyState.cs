namespace GateKiosk.Core.Policy;

/// <summary>
/// The policy the kiosk decides with. A scan reads it under <see cref="Gate"/>, the lock the pipeline holds for the whole
/// scan, and a new policy is swapped in under the same lock: a scan sees one policy from start to end, never half of one.
/// The swap is one reference assignment, so it waits for at most the scan in progress.
/// </summary>
public sealed class PolicyState
{
    private volatile AppliedPolicy? _current;

    /// <summary>The lock a scan holds from decode to journal; <see cref="GatePipeline"/> uses it as its own.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The policy in force, or null while the kiosk runs on its configuration file alone.</summary>
    public AppliedPolicy? Current => _current;

    /// <summary>The version in force, 0 without a policy.</summary>
    public long Version => _current?.Bundle.Version ?? 0;

    /// <summary>Puts <paramref name="policy"/> in force between two scans.</summary>
    public void Swap(AppliedPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (Gate)
        {
            _current = policy;
        }
    }
}

/// <summary>A verified bundle in force, with what the kiosk derived from it once.</summary>
/// <param name="Bundle">The bundle.</param>
/// <param name="Digest">SHA-256 of its wire form: the same message delivered twice is recognised and ignored.</param>
/// <param name="AcceptedKinds">The kinds this door opens for under the policy; null keeps the configured ones.</param>
/// <param name="Revoked">The bundle's revocations as a set.</param>
/// <param name="AppliedAt">When it was put in force.</param>
public sealed record AppliedPolicy(PolicyBundle Bundle, byte[] Digest, IReadOnlySet<string>? AcceptedKinds, IReadOnlySet<string> Revoked, DateTimeOffset AppliedAt);
