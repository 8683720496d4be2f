namespace GateKiosk.Hosting;

/// <summary>
/// A start-up failure that the operator fixes in the configuration (a missing device, a wrong driver): its message says
/// what to set, and <see cref="HostRunner"/> reports it as a configuration error instead of a crash.
/// </summary>
public class ConfigurationProblemException : Exception
{
    public ConfigurationProblemException()
    {
    }

    public ConfigurationProblemException(string message)
        : base(message)
    {
    }

    public ConfigurationProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
