namespace BackscatterConsole.Domain.Text;

/// <summary>
/// The character rule every free-text field follows, so the API's problem details and the portal's messages agree:
/// no control characters (U+0000–U+001F, U+007F and U+0080–U+009F), except tab, carriage return and line feed in
/// texts that are meant to span lines (rationales, comments, notes, pasted command output). NUL in particular cannot be
/// stored in PostgreSQL text at all, and the others hide text from reviewers or break logs and exports.
/// </summary>
public static class TextRules
{
    /// <summary>
    /// Null when <paramref name="value"/> is acceptable; otherwise the message to show for the field, naming the first
    /// offending character and its position (counted from 1).
    /// </summary>
    /// <param name="value">The text as received (null passes: whether a field is required is its own rule).</param>
    /// <param name="label">How the message names the field, for example <c>Title</c>.</param>
    /// <param name="multiLine">True where tab and line breaks belong to the text.</param>
    public static string? ControlCharacterError(string? value, string label, bool multiLine = false)
    {
        if (value is null)
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (!char.IsControl(c) || (multiLine && c is '\t' or '\r' or '\n'))
            {
                continue;
            }

            var allowed = multiLine
                ? "only tab and line breaks are allowed among control characters."
                : "it must be a single line of printable characters.";
            return $"{label} contains the control character U+{(int)c:X4} at position {i + 1}; {allowed}";
        }

        return null;
    }

    /// <summary>
    /// For machine output kept as evidence (an agent's command output), which is stored rather than refused: NUL becomes
    /// U+FFFD, because PostgreSQL text cannot hold it; every other character stays as the command printed it.
    /// </summary>
    public static string ReplaceNul(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;
    }

    /// <summary>Adds the message of <see cref="ControlCharacterError"/> under <paramref name="field"/> when there is one; true when it did.</summary>
    public static bool AddControlCharacterError(IDictionary<string, string[]> errors, string field, string? value, string label, bool multiLine = false)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (ControlCharacterError(value, label, multiLine) is not { } message)
        {
            return false;
        }

        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        return true;
    }
}
