using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>
/// Parses <c>carbonio prov gcf</c>, <c>zmprov gacf</c> and <c>prov gs SERVER</c> output: one <c>attribute: value</c>
/// per line, a multi-valued attribute repeated once per value, values that may themselves contain colons
/// (<c>check_policy_service unix:private/policy</c>), and multi-line values (certificates) continuing on lines that
/// do not start with an attribute name.
/// </summary>
public static class ZimbraConfigParser
{
    /// <summary>Parses the text into attribute → values, in the order printed.</summary>
    public static ParseOutcome<IReadOnlyDictionary<string, IReadOnlyList<string>>> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var ignored = new List<string>();
        List<string>? current = null;
        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.Length == 0)
            {
                continue;
            }

            // "# name mail.example.org" heads the output of "prov gs"; it is not an attribute.
            if (line.StartsWith("# name ", StringComparison.Ordinal))
            {
                current = null;
                continue;
            }

            if (TrySplit(line, out var attribute, out var value))
            {
                if (!values.TryGetValue(attribute, out var list))
                {
                    list = [];
                    values[attribute] = list;
                }

                list.Add(value);
                current = list;
                continue;
            }

            if (current is { Count: > 0 })
            {
                current[^1] = current[^1] + "\n" + line;
            }
            else
            {
                ignored.Add(line);
            }
        }

        var result = values.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        return new ParseOutcome<IReadOnlyDictionary<string, IReadOnlyList<string>>>(result, ignored);
    }

    /// <summary>Builds a Carbonio or Zimbra snapshot from <c>prov gcf</c> output.</summary>
    public static ParseOutcome<SettingsSnapshot> ParseSnapshot(string text, MtaPlatform platform, DateTimeOffset collectedAt, string source = SettingsSources.CarbonioGcf)
    {
        if (platform is not (MtaPlatform.Carbonio or MtaPlatform.Zimbra))
        {
            throw new ArgumentOutOfRangeException(nameof(platform), platform, "prov output belongs to Carbonio or Zimbra.");
        }

        var parsed = Parse(text);
        return new ParseOutcome<SettingsSnapshot>(new SettingsSnapshot(platform, source, collectedAt, parsed.Value, []), parsed.IgnoredLines);
    }

    private static bool TrySplit(string line, out string attribute, out string value)
    {
        attribute = string.Empty;
        value = string.Empty;
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(line[0]))
        {
            return false;
        }

        var name = line[..colon];
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return false;
        }

        // An attribute line is "name: value" or "name:" (empty); "name:value" would be a continuation such as "unix:private".
        if (colon + 1 < line.Length && line[colon + 1] != ' ')
        {
            return false;
        }

        attribute = name;
        value = colon + 2 <= line.Length ? line[Math.Min(colon + 2, line.Length)..] : string.Empty;
        return true;
    }
}
