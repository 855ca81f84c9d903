using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Remediation;

/// <summary>One setting change an agent can make, and the check and command it comes from.</summary>
/// <param name="CheckId">The check the change fixes.</param>
/// <param name="Change">What the connector sets, adds or removes.</param>
/// <param name="Command">The platform command it stands for, for people to read.</param>
public sealed record PlannedChange(string CheckId, SettingChange Change, RemediationCommand Command);

/// <summary>A remediation plan: what an agent can do, and what a person has to.</summary>
/// <param name="Changes">Changes for the agent's connector, in order.</param>
/// <param name="ManualSteps">Per check, what cannot be automated (steps in an administration UI, map files, master.cf overrides).</param>
public sealed record RemediationPlan(IReadOnlyList<PlannedChange> Changes, IReadOnlyList<(string CheckId, string Step)> ManualSteps)
{
    /// <summary>True when the agent can apply everything.</summary>
    public bool FullyAutomated => ManualSteps.Count == 0;
}

/// <summary>
/// Turns failed settings checks into connector changes. It reads the rules' own remediation commands, so the change an
/// agent makes is exactly the command a person would have been told to run: <c>postconf -e name=value</c> and
/// <c>postconf -P service/type/name=value</c> become sets, <c>postconf -X name</c> sets the documented default;
/// <c>prov mcf</c> pairs become set, add (<c>+attr</c>) or remove (<c>-attr</c>). Reloads and restarts are the
/// connector's own steps. Anything else is left as a manual step rather than guessed.
/// </summary>
public static class RemediationPlanner
{
    private static readonly HashSet<string> ActivationPrograms = new(StringComparer.Ordinal) { "postfix", "zmmtactl", "zmcontrol" };

    /// <summary>Plans the fixes of <paramref name="checkIds"/> from rule results of one settings snapshot.</summary>
    /// <param name="results">The evaluated rules (<c>MtaRules.Evaluate</c>).</param>
    /// <param name="checkIds">The checks to fix; results that pass or are unknown are not planned.</param>
    public static RemediationPlan Plan(IEnumerable<MtaRuleResult> results, IReadOnlyCollection<string> checkIds)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(checkIds);
        var changes = new List<PlannedChange>();
        var manual = new List<(string, string)>();
        foreach (var result in results.Where(r => checkIds.Contains(r.Check.Id) && r.Check.Status is CheckStatus.Fail or CheckStatus.Warn))
        {
            foreach (var command in result.Commands)
            {
                if (!TryTranslate(result.Check.Id, command, changes))
                {
                    manual.Add((result.Check.Id, "Run by hand: " + command.Display));
                }
            }

            manual.AddRange(result.ManualSteps.Select(step => (result.Check.Id, step)));
        }

        return new RemediationPlan(changes, manual);
    }

    private static bool TryTranslate(string checkId, RemediationCommand command, List<PlannedChange> changes)
    {
        var args = command.Arguments;
        if (args.Count == 0)
        {
            return false;
        }

        if (ActivationPrograms.Contains(args[0]) && args.Count >= 2 && args[^1] is "reload" or "restart")
        {
            return true;
        }

        if (args[0] == "postconf" && args.Count == 3)
        {
            switch (args[1])
            {
                // main.cf (-e) and master.cf overrides (-P service/type/name), which the Postfix connector sets alike.
                case "-e" or "-P":
                    var equals = args[2].IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        return false;
                    }

                    changes.Add(new PlannedChange(checkId, new SettingChange(args[2][..equals].Trim(), SettingOperation.Set, args[2][(equals + 1)..].Trim()), command));
                    return true;

                // Removing a main.cf setting means "back to the default": set the documented default explicitly, which the
                // connector can apply and roll back. A default the rules do not document stays a manual step.
                case "-X" when PostfixSettings.TryGetDocumentedDefault(args[2], out var fallback):
                    changes.Add(new PlannedChange(checkId, new SettingChange(args[2], SettingOperation.Set, fallback), command));
                    return true;
            }

            return false;
        }

        var mcf = args[0] switch
        {
            "carbonio" when args.Count >= 3 && args[1] == "prov" && args[2] == "mcf" => 3,
            "zmprov" when args.Count >= 2 && args[1] == "mcf" => 2,
            _ => -1,
        };
        if (mcf < 0 || (args.Count - mcf) % 2 != 0 || args.Count == mcf)
        {
            return false;
        }

        for (var i = mcf; i < args.Count; i += 2)
        {
            var (name, operation) = args[i] switch
            {
                ['+', .. var rest] => (rest, SettingOperation.Add),
                ['-', .. var rest] => (rest, SettingOperation.Remove),
                var plain => (plain, SettingOperation.Set),
            };
            changes.Add(new PlannedChange(checkId, new SettingChange(name, operation, args[i + 1]), command));
        }

        return true;
    }
}
