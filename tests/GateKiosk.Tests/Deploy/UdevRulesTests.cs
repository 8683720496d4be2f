using System.Text.RegularExpressions;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Deploy;

/// <summary>
/// The shipped udev rules, read by a parser of udev's rule syntax (this Debian's udevadm has no <c>verify</c>):
/// every key known and used with an operator udev accepts, the stable names, ModemManager kept from serial scanners,
/// and the documented scanner list in step with the rules.
/// </summary>
public sealed partial class UdevRulesTests
{
    private static readonly HashSet<string> MatchKeys = ["ACTION", "SUBSYSTEM", "KERNEL", "ATTR", "ATTRS", "ENV"];
    private static readonly HashSet<string> AssignKeys = ["ENV", "SYMLINK", "GROUP", "MODE", "GOTO", "LABEL"];

    private static readonly string RulesPath = Path.Combine(RepoPaths.Root, "deploy", "udev", "70-gatekiosk.rules");

    [Fact]
    public void Rules_EveryLine_ParsesWithKnownKeysAndOperators()
    {
        var rules = Rules();

        Assert.NotEmpty(rules);
        foreach (var (line, pairs) in rules)
        {
            foreach (var (key, op, _) in pairs)
            {
                var name = key.Split('{')[0];
                if (op is "==" or "!=")
                {
                    Assert.True(MatchKeys.Contains(name), $"'{key}' is not a match key: {line}");
                }
                else
                {
                    Assert.True(AssignKeys.Contains(name), $"'{key}' cannot be assigned: {line}");
                    Assert.True(name != "ATTRS" && name != "KERNEL" && name != "SUBSYSTEM", line);
                }
            }
        }

        // The only jump lands on the rules' own label, at the end.
        var labels = rules.SelectMany(r => r.Pairs).Where(p => p.Key == "LABEL").Select(p => p.Value).ToList();
        Assert.Equal(["gatekiosk_end"], labels);
        Assert.All(rules.SelectMany(r => r.Pairs).Where(p => p.Key == "GOTO"), p => Assert.Equal("gatekiosk_end", p.Value));
    }

    [Fact]
    public void Rules_SerialScanners_IgnoredByModemManagerAndNamedForTheKiosk()
    {
        var serial = Rules().Where(r => Value(r.Pairs, "SUBSYSTEM") == "tty").ToList();

        Assert.NotEmpty(serial);
        Assert.All(serial, r =>
        {
            Assert.Equal("1", Value(r.Pairs, "ENV{ID_MM_DEVICE_IGNORE}"));
            Assert.Equal("gatekiosk/scanner", Value(r.Pairs, "SYMLINK"));
            Assert.Equal("dialout", Value(r.Pairs, "GROUP"));
            Assert.Equal("0660", Value(r.Pairs, "MODE"));
        });
    }

    [Fact]
    public void Rules_EachDevice_NameAndGroupTheServiceUserHas()
    {
        var expected = new Dictionary<string, (string? Link, string Group)>
        {
            ["tty"] = ("gatekiosk/scanner", "dialout"),
            ["input"] = ("gatekiosk/scanner", "input"),
            ["video4linux"] = ("gatekiosk/camera", "video"),
            ["gpio"] = (null, "gpio"),
            ["i2c-dev"] = (null, "i2c"),
        };

        foreach (var (_, pairs) in Rules().Where(r => Value(r.Pairs, "SUBSYSTEM") is not null))
        {
            var (link, group) = expected[Value(pairs, "SUBSYSTEM")!];
            Assert.Equal(link, Value(pairs, "SYMLINK"));
            Assert.Equal(group, Value(pairs, "GROUP"));
        }
    }

    [Fact]
    public void Rules_VendorIds_TheScannersTheGuideLists()
    {
        var rules = Rules();
        var inRules = rules.SelectMany(r => r.Pairs).Where(p => p.Key == "ATTRS{idVendor}" && p.Value != "?*").Select(p => p.Value).ToHashSet(StringComparer.Ordinal);
        // deploy/README.md: | Honeywell | `0c2e` | ...
        var listed = GuideVendor().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "README.md"))).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(listed);
        Assert.Equal(listed.Order(StringComparer.Ordinal), inRules.Order(StringComparer.Ordinal));
        // Each vendor is named both as a serial device and as a keyboard-mode (evdev) device.
        foreach (var vendor in listed)
        {
            Assert.Contains(rules, r => Value(r.Pairs, "SUBSYSTEM") == "tty" && Value(r.Pairs, "ATTRS{idVendor}") == vendor);
            Assert.Contains(rules, r => Value(r.Pairs, "SUBSYSTEM") == "input" && Value(r.Pairs, "ATTRS{idVendor}") == vendor);
        }
    }

    private static string? Value(List<(string Key, string Op, string Value)> pairs, string key) =>
        pairs.Where(p => p.Key == key).Select(p => p.Value).SingleOrDefault();

    private static List<(string Line, List<(string Key, string Op, string Value)> Pairs)> Rules()
    {
        var rules = new List<(string, List<(string, string, string)>)>();
        foreach (var line in File.ReadLines(RulesPath).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            Assert.False(line.EndsWith('\\'), "no continued lines");
            var pairs = new List<(string, string, string)>();
            foreach (var part in Split(line))
            {
                var match = Pair().Match(part);
                Assert.True(match.Success, $"not KEY op \"value\": '{part}' in {line}");
                pairs.Add((match.Groups["key"].Value, match.Groups["op"].Value, match.Groups["value"].Value));
            }

            rules.Add((line, pairs));
        }

        return rules;
    }

    /// <summary>Splits a rule at the commas between its pairs (values are quoted and hold no quote).</summary>
    private static IEnumerable<string> Split(string line)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == ',' && !quoted)
            {
                yield return line[start..i].Trim();
                start = i + 1;
            }
        }

        Assert.False(quoted, $"unterminated quote: {line}");
        yield return line[start..].Trim();
    }

    [GeneratedRegex(@"^(?<key>[A-Z_]+(\{[A-Za-z0-9_]+\})?)(?<op>==|!=|\+=|:=|=)""(?<value>[^""]*)""$")]
    private static partial Regex Pair();

    [GeneratedRegex(@"^\| [^|]+ \| `([0-9a-f]{4})` \|", RegexOptions.Multiline)]
    private static partial Regex GuideVendor();
}
