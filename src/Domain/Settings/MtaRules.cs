using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>Entry point of the settings rules: evaluates every <c>mta.*</c> check (and the settings view of <c>smtp.unknown-recipient</c> and <c>smtp.catch-all</c>) for the snapshot's platform.</summary>
public static class MtaRules
{
    /// <summary>
    /// Evaluates the snapshot. A setting that is absent counts as its documented default only where a default is documented
    /// (Postfix postconf(5); Zimbra's <c>zimbraMtaUnverifiedRecipientDeferCode</c> 250 and <c>zimbraMtaEnableSmtpdPolicyd</c> FALSE);
    /// otherwise the check is <c>unknown</c>, never <c>pass</c>.
    /// </summary>
    public static IReadOnlyList<MtaRuleResult> Evaluate(SettingsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Platform switch
        {
            MtaPlatform.Postfix => PostfixRules.Evaluate(snapshot),
            MtaPlatform.Carbonio or MtaPlatform.Zimbra => ZimbraRules.Evaluate(snapshot),
            MtaPlatform.MailEnable => MailEnableRules.Evaluate(snapshot),
            _ => throw new ArgumentOutOfRangeException(nameof(snapshot), snapshot.Platform, "Unknown platform."),
        };
    }
}
