namespace GateKiosk.Core.Journaling;

/// <summary>Wakes waiters when something was appended; waiters that arrive later wait for the next append.</summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes everyone waiting now.</summary>
    public void Set() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes on the next <see cref="Set"/> or when <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);
}
