using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Jobs;

/// <summary>What a change means for a list of values, so plan can tell which changes are already in place and verify can check the result.</summary>
public static class SettingSemantics
{
    /// <summary>Values without surrounding white space and without empty entries: <c>[]</c> and <c>[""]</c> both mean "empty".</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> values) =>
        values.Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();

    /// <summary>The values after applying <paramref name="change"/> to <paramref name="current"/>.</summary>
    public static IReadOnlyList<string> Apply(SettingChange change, IReadOnlyList<string> current)
    {
        ArgumentNullException.ThrowIfNull(change);
        var values = Normalize(current);
        var value = change.Value.Trim();
        return change.Operation switch
        {
            SettingOperation.Add => values.Contains(value, StringComparer.Ordinal) ? values : [.. values, value],
            SettingOperation.Remove => values.Where(v => !string.Equals(v, value, StringComparison.Ordinal)).ToArray(),
            _ => Normalize([value]),
        };
    }

    /// <summary>True when the two lists hold the same values, in any order.</summary>
    public static bool SameValues(IReadOnlyList<string> left, IReadOnlyList<string> right) =>
        Normalize(left).Order(StringComparer.Ordinal).SequenceEqual(Normalize(right).Order(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>True when applying <paramref name="change"/> would not change <paramref name="current"/>.</summary>
    public static bool IsSatisfied(SettingChange change, IReadOnlyList<string> current) =>
        SameValues(Apply(change, current), current);
}
