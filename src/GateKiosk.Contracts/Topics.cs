namespace GateKiosk.Contracts;

/// <summary>MQTT topic names of the contract (<c>gatekiosk/v1/…</c>).</summary>
public static class Topics
{
    /// <summary>The root of every GateKiosk topic.</summary>
    public const string Root = "gatekiosk/v1";

    /// <summary>Subscription filter for every kiosk's events.</summary>
    public const string AllEvents = Root + "/+/+/events";

    /// <summary>Subscription filter for every kiosk's status.</summary>
    public const string AllStatus = Root + "/+/+/status";

    /// <summary>Subscription filter for every kiosk's telemetry.</summary>
    public const string AllTelemetry = Root + "/+/+/telemetry";

    /// <summary>Subscription filter for every kiosk's command results.</summary>
    public const string AllCommandResults = Root + "/+/+/cmd/result";

    /// <summary>Longest topic a reader accepts: the root, two ids of 64 characters and the longest leaf, with room to spare.</summary>
    public const int MaxTopicLength = 256;

    /// <summary>Events of one kiosk (QoS 1, not retained).</summary>
    public static string Events(string site, string kiosk) => Kiosk(site, kiosk) + "/events";

    /// <summary>Retained birth/will status of one kiosk.</summary>
    public static string Status(string site, string kiosk) => Kiosk(site, kiosk) + "/status";

    /// <summary>Telemetry of one kiosk (QoS 0).</summary>
    public static string Telemetry(string site, string kiosk) => Kiosk(site, kiosk) + "/telemetry";

    /// <summary>Signed commands to one kiosk.</summary>
    public static string Command(string site, string kiosk) => Kiosk(site, kiosk) + "/cmd";

    /// <summary>Results of commands of one kiosk.</summary>
    public static string CommandResult(string site, string kiosk) => Kiosk(site, kiosk) + "/cmd/result";

    /// <summary>Retained, signed policy bundle of a site.</summary>
    public static string Policy(string site) => $"{Root}/{RequireId(site, nameof(site))}/policy";

    /// <summary>
    /// Splits a kiosk topic into its site and kiosk ids and its leaf (<c>events</c>, <c>status</c>, <c>telemetry</c>,
    /// <c>cmd</c> or <c>cmd/result</c>). Returns false for any topic that is not
    /// <c>gatekiosk/v1/{site}/{kiosk}/{leaf}</c> with valid ids and one of those leaves.
    /// </summary>
    public static bool TryParseKioskTopic(string topic, out string site, out string kiosk, out string leaf)
    {
        site = kiosk = leaf = "";
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length > MaxTopicLength)
        {
            return false;
        }

        var parts = topic.Split('/');
        if (parts.Length is not (5 or 6) || parts[0] != "gatekiosk" || parts[1] != "v1"
            || !Ids.IsValid(parts[2]) || !Ids.IsValid(parts[3]))
        {
            return false;
        }

        var tail = parts.Length == 5 ? parts[4] : parts[4] + "/" + parts[5];
        if (tail is not ("events" or "status" or "telemetry" or "cmd" or "cmd/result"))
        {
            return false;
        }

        (site, kiosk, leaf) = (parts[2], parts[3], tail);
        return true;
    }

    private static string Kiosk(string site, string kiosk) =>
        $"{Root}/{RequireId(site, nameof(site))}/{RequireId(kiosk, nameof(kiosk))}";

    private static string RequireId(string value, string name) =>
        Ids.IsValid(value) ? value : throw new ArgumentException($"'{value}' is not a valid id ([a-z0-9-], 1–64 characters).", name);
}

/// <summary>Site and kiosk ids: <c>[a-z0-9-]</c>, 1 to 64 characters, never an MQTT wildcard or separator.</summary>
public static class Ids
{
    /// <summary>True when <paramref name="value"/> is a valid site or kiosk id.</summary>
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
