using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>The outcome of parsing pasted text: what was understood and the lines that were not.</summary>
/// <typeparam name="T">The parsed value.</typeparam>
/// <param name="Value">The parsed value.</param>
/// <param name="IgnoredLines">Lines skipped because they are not settings (warnings, prompts, stray text), for the user to see.</param>
public sealed record ParseOutcome<T>(T Value, IReadOnlyList<string> IgnoredLines);

/// <summary>
/// Parses the output of <c>postconf -n</c> (main.cf settings that differ from the defaults) and <c>postconf -P</c>
/// (master.cf <c>-o</c> overrides as <c>service/type/name = value</c>). Both print <c>name = value</c> lines; with
/// <c>-f</c>, or when main.cf itself is pasted, long values continue on lines that start with white space (postconf(5)).
/// </summary>
public static class PostconfParser
{
    /// <summary>Parses <c>postconf -n</c> (or main.cf) text into name → value. A later line for the same name wins, as in main.cf.</summary>
    public static ParseOutcome<IReadOnlyDictionary<string, string>> ParseMain(string text)
    {
        var (pairs, ignored) = ParsePairs(text, allowSlashes: false);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in pairs)
        {
            values[name] = value;
        }

        return new ParseOutcome<IReadOnlyDictionary<string, string>>(values, ignored);
    }

    /// <summary>Parses <c>postconf -P</c> text into overrides.</summary>
    public static ParseOutcome<IReadOnlyList<ServiceOverride>> ParseServiceOverrides(string text)
    {
        var (pairs, ignored) = ParsePairs(text, allowSlashes: true);
        var overrides = new List<ServiceOverride>();
        var badKeys = new List<string>(ignored);
        foreach (var (key, value) in pairs)
        {
            // The service name may itself hold colons and dots (127.0.0.1:2525), never a slash; the last two slashes separate type and name.
            var last = key.LastIndexOf('/');
            var middle = last > 0 ? key.LastIndexOf('/', last - 1) : -1;
            if (middle <= 0 || last - middle < 2 || last == key.Length - 1)
            {
                badKeys.Add(key + " = " + value);
                continue;
            }

            overrides.Add(new ServiceOverride(key[..middle], key[(middle + 1)..last], key[(last + 1)..], value));
        }

        return new ParseOutcome<IReadOnlyList<ServiceOverride>>(overrides, badKeys);
    }

    /// <summary>Builds a Postfix snapshot from <c>postconf -n</c> output and, optionally, <c>postconf -P</c> output.</summary>
    public static ParseOutcome<SettingsSnapshot> ParseSnapshot(string postconfN, string? postconfP, DateTimeOffset collectedAt, string source = SettingsSources.PostconfN)
    {
        var main = ParseMain(postconfN);
        var overrides = postconfP is null
            ? new ParseOutcome<IReadOnlyList<ServiceOverride>>([], [])
            : ParseServiceOverrides(postconfP);
        var values = main.Value.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)[p.Value], StringComparer.OrdinalIgnoreCase);
        var snapshot = new SettingsSnapshot(MtaPlatform.Postfix, source, collectedAt, values, overrides.Value);
        return new ParseOutcome<SettingsSnapshot>(snapshot, [.. main.IgnoredLines, .. overrides.IgnoredLines]);
    }

    private static (List<(string Name, string Value)> Pairs, List<string> Ignored) ParsePairs(string text, bool allowSlashes)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pairs = new List<(string Name, string Value)>();
        var ignored = new List<string>();
        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]))
            {
                if (pairs.Count == 0)
                {
                    ignored.Add(line);
                    continue;
                }

                // A continuation line is joined to the previous value with one space, as Postfix reads it.
                var (name, value) = pairs[^1];
                pairs[^1] = (name, value.Length == 0 ? line.Trim() : value + " " + line.Trim());
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? line[..equals].Trim() : string.Empty;
            if (key.Length == 0 || !IsName(key, allowSlashes))
            {
                ignored.Add(line);
                continue;
            }

            pairs.Add((key, line[(equals + 1)..].Trim()));
        }

        return (pairs, ignored);
    }

    private static bool IsName(string key, bool allowSlashes) =>
        key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' || (allowSlashes && c is '/' or '.' or ':' or '-' or '[' or ']'));
}
