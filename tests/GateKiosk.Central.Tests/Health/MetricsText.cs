using System.Globalization;

namespace GateKiosk.Central.Tests.Health;

/// <summary>Reads one sample of the Prometheus text format.</summary>
internal static class MetricsText
{
    /// <summary>The value of <paramref name="series"/> (name with its labels, as written); throws when it is absent.</summary>
    public static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        throw new KeyNotFoundException($"no sample {series} in:\n{text}");
    }
}
