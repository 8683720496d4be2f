namespace GateKiosk.Testing;

/// <summary>Waits for a condition that another task makes true, polling with a hard time limit.</summary>
public static class Eventually
{
    /// <summary>Returns when <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="limit"/>.</summary>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not true within {limit}: {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Async form of <see cref="TrueAsync(Func{bool}, TimeSpan, string)"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not true within {limit}: {what}");
            }

            await Task.Delay(50);
        }
    }
}
