using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Shared.Settings;

/// <summary>
/// A command to run on the server, as an argument vector: each element is exactly one argument, so a value with spaces
/// such as <c>check_policy_service unix:private/policy</c> can never split. Run it without a shell (for example with
/// <c>ProcessStartInfo.ArgumentList</c>); <see cref="Display"/> is for people to copy into a POSIX shell.
/// </summary>
/// <param name="Arguments">The program followed by its arguments.</param>
public sealed record RemediationCommand(IReadOnlyList<string> Arguments)
{
    /// <summary>Creates a command from its program and arguments.</summary>
    public static RemediationCommand Of(params string[] arguments) => new(arguments);

    /// <summary>The command for a POSIX shell, each argument single-quoted when it holds anything but safe characters.</summary>
    public string Display => string.Join(' ', Arguments.Select(QuoteForShell));

    /// <summary>Quotes one argument for a POSIX shell.</summary>
    public static string QuoteForShell(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "@%+=:,./_-".Contains(c, StringComparison.Ordinal)))
        {
            return argument;
        }

        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Same as <see cref="Display"/>.</summary>
    public override string ToString() => Display;
}

/// <summary>One evaluated settings rule: the check result plus the fix as commands and manual steps.</summary>
/// <param name="Check">The check result; its <see cref="CheckResult.Remediation"/> holds the display text of the fix.</param>
/// <param name="Commands">Commands to run, in order, when there is something to fix.</param>
/// <param name="ManualSteps">Steps that are not commands (MailEnable's administration UI, map files to create).</param>
public sealed record MtaRuleResult(CheckResult Check, IReadOnlyList<RemediationCommand> Commands, IReadOnlyList<string> ManualSteps);
