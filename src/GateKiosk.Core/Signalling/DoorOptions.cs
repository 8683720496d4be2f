using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Signalling;

/// <summary>What the lock does when its relay is not energised (and so at power loss).</summary>
public enum LockType
{
    /// <summary>Locked without power (electric strike, motor lock): the relay is energised only to open.</summary>
    FailSecure,

    /// <summary>
    /// Unlocked without power (magnetic lock, fire-exit doors): the relay is energised to keep the door locked
    /// and released to open; a dead controller or a cut supply leaves the door open.
    /// </summary>
    FailSafe,
}

/// <summary>The door's behaviour (configuration section <c>Door</c>).</summary>
public sealed class DoorOptions
{
    public const string SectionName = "Door";

    /// <summary>Fail-secure (strike) or fail-safe (maglock); decides the relay's rest level.</summary>
    public LockType LockType { get; set; } = LockType.FailSecure;

    /// <summary>How long the door may stay open before the held-open alarm.</summary>
    public TimeSpan HeldOpenAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Keep the door released while the exit button is held, beyond the pulse.</summary>
    public bool HoldWhileExitPressed { get; set; } = true;

    /// <summary>A door contact is fitted (door-opened/closed, held-open and forced alarms).</summary>
    public bool HasContact { get; set; } = true;

    /// <summary>An exit (request-to-exit) button is fitted.</summary>
    public bool HasExitButton { get; set; } = true;
}

/// <summary>Names the bad key in the <c>Door</c> section.</summary>
public sealed class DoorOptionsValidator : IValidateOptions<DoorOptions>
{
    public ValidateOptionsResult Validate(string? name, DoorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.LockType))
        {
            errors.Add($"Door:LockType must be FailSecure or FailSafe (got {options.LockType}).");
        }

        if (options.HeldOpenAfter < TimeSpan.FromSeconds(1) || options.HeldOpenAfter > TimeSpan.FromHours(1))
        {
            errors.Add($"Door:HeldOpenAfter must be between 00:00:01 and 01:00:00 (got {options.HeldOpenAfter}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
