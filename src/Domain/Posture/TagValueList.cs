namespace BackscatterConsole.Domain.Posture;

/// <summary>The <c>tag=value; tag=value</c> syntax shared by DKIM key records (RFC 6376 §3.2) and DMARC records.</summary>
internal static class TagValueList
{
    /// <summary>Parses the list; tag names are lower-cased, values trimmed. Returns false with a reason on a malformed or duplicated tag.</summary>
    public static bool TryParse(string text, out List<KeyValuePair<string, string>> tags, out string? error)
    {
        tags = [];
        foreach (var raw in text.Split(';'))
        {
            var part = raw.Trim(' ', '\t', '\r', '\n');
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"'{part}' is not of the form tag=value.";
                return false;
            }

            var name = part[..eq].Trim().ToLowerInvariant();
            if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || !char.IsAsciiLetter(name[0]))
            {
                error = $"'{name}' is not a valid tag name.";
                return false;
            }

            if (tags.Any(t => t.Key == name))
            {
                error = $"The tag '{name}' appears twice.";
                return false;
            }

            tags.Add(KeyValuePair.Create(name, part[(eq + 1)..].Trim(' ', '\t', '\r', '\n')));
        }

        error = null;
        return true;
    }
}
