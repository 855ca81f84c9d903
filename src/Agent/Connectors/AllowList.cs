using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>The settings a connector may change: exactly those the checklist remediates, with the operations each supports.</summary>
public sealed class AllowList
{
    private readonly Dictionary<string, bool> _multiValued;

    /// <summary>Creates an allow-list; names map to whether the setting is multi-valued (then add and remove are allowed too).</summary>
    public AllowList(IEnumerable<KeyValuePair<string, bool>> settings, StringComparer comparer)
    {
        _multiValued = new Dictionary<string, bool>(settings, comparer);
    }

    /// <summary>The allowed names.</summary>
    public IReadOnlyCollection<string> Names => _multiValued.Keys;

    /// <summary>True when <paramref name="name"/> is on the list.</summary>
    public bool Contains(string name) => _multiValued.ContainsKey(name);

    /// <summary>Null when allowed, else a sentence saying why not.</summary>
    public string? Refusal(SettingChange change, string connectorName)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (string.IsNullOrEmpty(change.Name) || !_multiValued.TryGetValue(change.Name, out var multi))
        {
            return $"Refused: '{change.Name}' is not on the {connectorName} connector's allow-list (allowed: {string.Join(", ", _multiValued.Keys.Order(StringComparer.Ordinal))}).";
        }

        if (change.Operation != SettingOperation.Set && !multi)
        {
            return $"Refused: {change.Operation.ToString().ToLowerInvariant()} applies only to multi-valued settings; '{change.Name}' takes one value.";
        }

        if (change.Value is null || change.Value.Any(char.IsControl))
        {
            // A newline in a value would let one change write extra lines (extra settings) into a configuration file.
            return $"Refused: the value for '{change.Name}' contains control characters (line breaks, tabs or NUL).";
        }

        if (change.Operation != SettingOperation.Set && change.Value.Length == 0)
        {
            return $"Refused: {change.Operation.ToString().ToLowerInvariant()} needs a value for '{change.Name}'.";
        }

        return null;
    }
}
