using System.Text;
using System.Text.Json.Nodes;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Tests.Collecting;

/// <summary>Malformed messages for one kiosk's topics, made from one of its valid events (every kind a collector must survive).</summary>
internal static class PoisonMessages
{
    /// <summary>
    /// The kinds of malformed message, each as (kind, topic, payload), built from <paramref name="template"/> (a valid event of
    /// <paramref name="site"/>/<paramref name="kiosk"/> that central holds) and <paramref name="lastSeq"/> (the highest seq central holds).
    /// </summary>
    public static List<(string Kind, string Topic, byte[] Payload)> Build(string site, string kiosk, byte[] template, long lastSeq)
    {
        var events = Topics.Events(site, kiosk);
        var status = Topics.Status(site, kiosk);
        byte[] Mutate(Action<JsonObject> change, bool freshId = true)
        {
            var node = JsonNode.Parse(template)!.AsObject();
            if (freshId)
            {
                node["eventId"] = Guid.CreateVersion7().ToString();
            }

            change(node);
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }

        var invalidUtf8 = Encoding.UTF8.GetBytes("{\"note\":\"XX\",").Concat(Mutate(_ => { }).Skip(1)).ToArray();
        var at = Array.IndexOf(invalidUtf8, (byte)'X');
        (invalidUtf8[at], invalidUtf8[at + 1]) = (0xff, 0xfe);

        return
        [
            ("bad date", events, Mutate(n => n["occurredAt"] = "not-a-date")),
            ("date beyond year 9999 in UTC", events, Mutate(n => n["occurredAt"] = "9999-12-31T23:59:59-01:00")),
            ("null type", events, Mutate(n => n["type"] = null)),
            ("null prevHash", events, Mutate(n => n["prevHash"] = null)),
            ("missing eventId", events, Mutate(n => n.Remove("eventId"))),
            ("seq as a string", events, Mutate(n => n["seq"] = "12")),
            ("schemaVersion 2", events, Mutate(n => n["schemaVersion"] = 2)),
            ("unknown type", events, Mutate(n => n["type"] = "teleport")),
            ("bad timeSource", events, Mutate(n => n["timeSource"] = "sundial")),
            ("uppercase prevHash", events, Mutate(n => n["prevHash"] = new string('A', 64))),
            ("negative seq", events, Mutate(n => n["seq"] = -5)),
            ("status without state", status, Encoding.UTF8.GetBytes($"{{\"kioskId\":\"{kiosk}\",\"siteId\":\"{site}\"}}")),
            ("status of another kiosk", status, Encoding.UTF8.GetBytes($"{{\"state\":\"online\",\"kioskId\":\"other\",\"siteId\":\"{site}\"}}")),
            ("status with a bad time", status, Encoding.UTF8.GetBytes($"{{\"state\":\"online\",\"kioskId\":\"{kiosk}\",\"siteId\":\"{site}\",\"at\":\"soon\"}}")),
            ("10 MB event", events, Mutate(n => n["detail"] = new string('x', 10 * 1024 * 1024))),
            ("1 MB subjectId", events, Mutate(n => n["credential"] = new JsonObject { ["kind"] = "badge", ["subjectId"] = new string('7', 1024 * 1024) })),
            ("300-character subjectId", events, Mutate(n => n["credential"] = new JsonObject { ["kind"] = "badge", ["subjectId"] = new string('7', 300) })),
            ("seq beyond 2^53", events, Mutate(n => n["seq"] = long.MaxValue - 1)),
            ("seq a billion ahead", events, Mutate(n => n["seq"] = lastSeq + 1_000_000_000)),
            ("invalid UTF-8 in an unknown field", events, invalidUtf8),
            ("not JSON", events, Encoding.UTF8.GetBytes("hello {")),
            ("JSON null", events, Encoding.UTF8.GetBytes("null")),
            ("empty batch", events, Encoding.UTF8.GetBytes("[]")),
            ("batch of numbers", events, Encoding.UTF8.GetBytes("[1,2,3]")),
            ("batch of events with a gap", events, [.. "["u8, .. Mutate(n => n["seq"] = lastSeq + 1), .. ","u8, .. Mutate(n => n["seq"] = lastSeq + 3), .. "]"u8]),
            ("wrong site in payload", events, Mutate(n => n["siteId"] = "another-site")),
            ("duplicate eventId with other content", events, Mutate(n => n["detail"] = "edited", freshId: false)),
            ("deep nesting", events, Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000))),
        ];
    }
}
