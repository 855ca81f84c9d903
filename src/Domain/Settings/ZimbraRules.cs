using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;
using static BackscatterConsole.Domain.Settings.MtaCheckCatalog;

namespace BackscatterConsole.Domain.Settings;

/// <summary>
/// Settings rules for Carbonio CE and Zimbra over <c>prov gcf</c> attributes. Restriction and login-map attributes are lists:
/// absent from gcf means no value is set. Single-valued attributes without a default documented here are <c>unknown</c> when absent.
/// </summary>
internal static class ZimbraRules
{
    /// <summary>Documented in the Zimbra attribute definitions and DOMAIN.md: the defer code defaults to 250.</summary>
    private const string DefaultDeferCode = "250";

    /// <summary>Policyd is off unless turned on.</summary>
    private const string DefaultPolicyd = "FALSE";

    private static readonly string[] Destinies = ["zimbraAmavisFinalSpamDestiny", "zimbraAmavisFinalVirusDestiny", "zimbraAmavisFinalBannedDestiny", "zimbraAmavisFinalBadHeaderDestiny"];

    public static IReadOnlyList<MtaRuleResult> Evaluate(SettingsSnapshot snapshot)
    {
        var context = new Context(snapshot);
        return
        [
            UnknownRecipient(context),
            CatchAll(context),
            VerifyDeferCode(context),
            MailboxRules.ZimbraDisabled(snapshot.Mailboxes, context.Prov),
            MailboxRules.ZimbraQuota(snapshot.Mailboxes, context.Evidence("zimbraQuotaWarnPercent", "zimbraLmtpPermanentFailureWhenOverQuota"), context.Prov),
            SenderLoginMismatch(context),
            Bool(context, UnlistedSender, "zimbraMtaSmtpdRejectUnlistedSender", null, "Mail claiming a non-existent local sender is refused.", "Mail may claim any address at a local domain.", CheckStatus.Warn),
            SenderDomain(context),
            Policy(context),
            FilterBounce(context),
            Result(BounceHygiene, CheckStatus.Unknown, "Null-sender growth in the deferred queue needs the agent's queue statistics.", []),
            SenderCalloutRule(snapshot, context),
        ];
    }

    private static MtaRuleResult UnknownRecipient(Context context) =>
        Bool(context, MtaCheckCatalog.UnknownRecipient, "zimbraMtaSmtpdRejectUnlistedRecipient", null,
            "The MTA refuses unlisted recipients.", "The MTA accepts recipients it does not know and bounces later.", CheckStatus.Fail);

    private static MtaRuleResult CatchAll(Context context)
    {
        var catchAll = context.All("zimbraMailCatchAllAddress").Concat(context.All("zimbraMailCatchAllForwardingAddress")).ToArray();
        return catchAll.Length > 0
            ? Result(MtaCheckCatalog.CatchAll, CheckStatus.Warn, "A catch-all address is set: " + string.Join(", ", catchAll) + ".", context.Evidence("zimbraMailCatchAllAddress", "zimbraMailCatchAllForwardingAddress"),
                [], ["Remove the catch-all from the domain: " + context.Prov("md", "DOMAIN", "zimbraMailCatchAllAddress", string.Empty).Display + " (and zimbraMailCatchAllForwardingAddress likewise)."])
            : Result(MtaCheckCatalog.CatchAll, CheckStatus.Unknown, "Catch-alls are domain attributes (zimbraMailCatchAllAddress), not global config; run prov gd for each domain or rely on the SMTP probe.", []);
    }

    private static MtaRuleResult VerifyDeferCode(Context context)
    {
        const string name = "zimbraMtaUnverifiedRecipientDeferCode";
        var (code, defaulted) = context.SingleOrDefault(name, DefaultDeferCode);
        var active = context.RestrictionTokens().Contains("reject_unverified_recipient", StringComparer.Ordinal);
        var evidence = new List<string> { context.ValueEvidence(name, code, defaulted), active ? "reject_unverified_recipient is in the MTA restrictions" : "reject_unverified_recipient is not in the MTA restrictions" };
        if (code.StartsWith('2'))
        {
            var fix = new[] { context.Prov("mcf", name, "450") };
            return active
                ? Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Fail, $"{name} is {code} while address verification is active: unverifiable recipients are accepted and may bounce later.", evidence, fix, context.RestartSteps)
                : Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Warn, $"{name} is {code}; verification is not active now, but turning it on would accept unverifiable recipients.", evidence, fix, context.RestartSteps);
        }

        return Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Pass, $"Verification tempfails are answered with {code}.", evidence);
    }

    private static MtaRuleResult SenderLoginMismatch(Context context)
    {
        var maps = context.All("zimbraMtaSmtpdSenderLoginMaps");
        var enforced = context.RestrictionTokens().Contains("reject_authenticated_sender_login_mismatch", StringComparer.Ordinal)
            || context.RestrictionTokens().Contains("reject_sender_login_mismatch", StringComparer.Ordinal);
        var evidence = context.Evidence("zimbraMtaSmtpdSenderLoginMaps", "zimbraMtaSmtpdSenderRestrictions");
        if (maps.Count > 0 && enforced)
        {
            return Result(MtaCheckCatalog.SenderLoginMismatch, CheckStatus.Pass, "Authenticated senders are checked against their login.", evidence);
        }

        var command = new List<string> { "mcf" };
        if (maps.Count == 0)
        {
            command.AddRange(["zimbraMtaSmtpdSenderLoginMaps", $"proxy:ldap:{context.ConfigDirectory}/ldap-slm.cf"]);
        }

        if (!enforced)
        {
            command.AddRange(["+zimbraMtaSmtpdSenderRestrictions", "reject_authenticated_sender_login_mismatch"]);
        }

        return Result(
            MtaCheckCatalog.SenderLoginMismatch,
            maps.Count == 0 ? CheckStatus.Fail : CheckStatus.Warn,
            maps.Count == 0 ? "zimbraMtaSmtpdSenderLoginMaps is not set: authenticated users can send as any address." : "Sender login maps are set but reject_authenticated_sender_login_mismatch is not in the sender restrictions.",
            evidence.Count == 0 ? ["neither zimbraMtaSmtpdSenderLoginMaps nor zimbraMtaSmtpdSenderRestrictions is set"] : evidence,
            [context.Prov([.. command])],
            context.RestartSteps);
    }

    private static MtaRuleResult SenderDomain(Context context)
    {
        var tokens = context.RestrictionTokens();
        var evidence = context.Evidence("zimbraMtaRestriction");
        return tokens.Contains("reject_unknown_sender_domain", StringComparer.Ordinal)
            ? Result(MtaCheckCatalog.SenderDomain, CheckStatus.Pass, "reject_unknown_sender_domain is in the MTA restrictions.", evidence)
            : Result(MtaCheckCatalog.SenderDomain, CheckStatus.Warn, "reject_unknown_sender_domain is not in zimbraMtaRestriction: mail from sender domains that cannot receive a bounce is accepted.",
                evidence.Count == 0 ? ["zimbraMtaRestriction has no values"] : evidence,
                [context.Prov("mcf", "+zimbraMtaRestriction", "reject_unknown_sender_domain")], context.RestartSteps);
    }

    /// <summary>
    /// zimbraMtaRestriction (and any other *Restriction* attribute in gcf) holding reject_unverified_sender. Each multi-valued
    /// value that holds it is removed whole with <c>-ATTR VALUE</c>, as one argument.
    /// </summary>
    private static MtaRuleResult SenderCalloutRule(SettingsSnapshot snapshot, Context context)
    {
        const string keyword = "reject_unverified_sender";
        var holders = snapshot.Values
            .Where(p => p.Key.Contains("Restriction", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Value.Select(v => (Attribute: p.Key, Value: v)))
            .Where(p => PostfixSettings.Tokens(p.Value).Contains(keyword, StringComparer.Ordinal))
            .OrderBy(p => p.Attribute, StringComparer.Ordinal)
            .ToList();
        if (holders.Count == 0)
        {
            var evidence = context.Evidence("zimbraMtaRestriction");
            return Result(SenderCallout, CheckStatus.Pass, "reject_unverified_sender is not in the MTA restrictions.", evidence.Count == 0 ? ["zimbraMtaRestriction has no values"] : evidence);
        }

        return Result(
            SenderCallout,
            CheckStatus.Warn,
            "reject_unverified_sender is in " + string.Join(", ", holders.Select(h => h.Attribute).Distinct(StringComparer.Ordinal)) + ": the MTA makes a sender callout for mail it receives, probing the (often forged) sender's server; ips.backscatterer.org lists servers for that.",
            holders.Select(h => $"{h.Attribute} = {h.Value}").ToArray(),
            holders.Select(h => context.Prov("mcf", "-" + h.Attribute, h.Value)).ToArray(),
            [.. context.RestartSteps, "Refuse forged senders without probing them instead: reject_unknown_sender_domain, SPF and DMARC checks."]);
    }

    private static MtaRuleResult Policy(Context context)
    {
        const string name = "zimbraMtaEnableSmtpdPolicyd";
        var (enabled, defaulted) = context.SingleOrDefault(name, DefaultPolicyd);
        var hasService = context.RestrictionTokens().Contains("check_policy_service", StringComparer.Ordinal);
        var evidence = new List<string> { context.ValueEvidence(name, enabled, defaulted) };
        evidence.AddRange(context.Evidence("zimbraMtaRestriction"));
        if (IsTrue(enabled) && hasService)
        {
            return Result(Policyd, CheckStatus.Pass, "Policyd is enabled and check_policy_service is in the restrictions.", evidence);
        }

        var commands = new List<RemediationCommand>();
        if (!IsTrue(enabled))
        {
            commands.Add(context.Prov("mcf", name, "TRUE"));
        }

        if (!hasService)
        {
            commands.Add(context.Prov("mcf", "+zimbraMtaRestriction", "check_policy_service unix:private/policy"));
        }

        return Result(Policyd, CheckStatus.Warn, IsTrue(enabled) ? "Policyd is enabled but check_policy_service is not in zimbraMtaRestriction." : "Policyd is not enabled: nothing limits how fast a compromised account can send.", evidence, commands, context.RestartSteps);
    }

    private static MtaRuleResult FilterBounce(Context context)
    {
        var present = Destinies.Where(d => context.All(d).Count > 0).ToArray();
        var evidence = context.Evidence(Destinies);
        var bouncing = present.Where(d => context.All(d).Any(v => v.Trim().Equals("D_BOUNCE", StringComparison.OrdinalIgnoreCase))).ToArray();
        if (bouncing.Length > 0)
        {
            return Result(MtaCheckCatalog.FilterBounce, CheckStatus.Fail, string.Join(", ", bouncing) + " is D_BOUNCE: filtered mail is bounced to its (forged) sender.", evidence,
                bouncing.Select(d => context.Prov("mcf", d, "D_DISCARD")).ToArray(), context.RestartSteps);
        }

        return context.All("zimbraAmavisFinalSpamDestiny").Count == 0
            ? Result(MtaCheckCatalog.FilterBounce, CheckStatus.Unknown, "zimbraAmavisFinalSpamDestiny is not in the snapshot.", evidence)
            : Result(MtaCheckCatalog.FilterBounce, CheckStatus.Pass, "No filter destiny is D_BOUNCE.", evidence);
    }

    private static MtaRuleResult Bool(Context context, string id, string attribute, string? documentedDefault, string passSummary, string failSummary, CheckStatus failStatus)
    {
        var values = context.All(attribute);
        var value = values.Count > 0 ? values[^1] : documentedDefault;
        if (value is null)
        {
            return Result(id, CheckStatus.Unknown, $"{attribute} is not in the snapshot and its default is not documented here.", [$"{attribute}: (not in the snapshot)"],
                [context.Prov("mcf", attribute, "yes")], context.RestartSteps);
        }

        var evidence = new[] { context.ValueEvidence(attribute, value, values.Count == 0) };
        return IsTrue(value)
            ? Result(id, CheckStatus.Pass, passSummary, evidence)
            : Result(id, failStatus, $"{attribute} is {value}. {failSummary}", evidence, [context.Prov("mcf", attribute, "yes")], context.RestartSteps);
    }

    private static bool IsTrue(string? value) =>
        value?.Trim().ToUpperInvariant() is "TRUE" or "YES" or "1";

    private sealed class Context(SettingsSnapshot snapshot)
    {
        public bool IsCarbonio { get; } = snapshot.Platform == MtaPlatform.Carbonio;

        public string ConfigDirectory => IsCarbonio ? "/opt/zextras/conf" : "/opt/zimbra/conf";

        public IReadOnlyList<string> RestartSteps => IsCarbonio
            ? ["Restart the Carbonio MTA so Postfix picks up the change."]
            : ["Restart the MTA as the zimbra user: zmmtactl restart."];

        public IReadOnlyList<string> All(string attribute) =>
            snapshot.Values.TryGetValue(attribute, out var values) ? values : [];

        public (string Value, bool Defaulted) SingleOrDefault(string attribute, string fallback)
        {
            var values = All(attribute);
            return values.Count > 0 ? (values[^1], false) : (fallback, true);
        }

        public string ValueEvidence(string attribute, string value, bool defaulted) =>
            defaulted ? $"{attribute}: {value} (default, not in the snapshot)" : $"{attribute}: {value} ({snapshot.Source})";

        public IReadOnlyList<string> Evidence(params string[] attributes) =>
            attributes.SelectMany(a => All(a).Select(v => $"{a}: {v} ({snapshot.Source})")).ToArray();

        /// <summary>All values of every restriction attribute, split into tokens.</summary>
        public IReadOnlyList<string> RestrictionTokens() =>
            snapshot.Values
                .Where(p => p.Key.Contains("Restriction", StringComparison.OrdinalIgnoreCase))
                .SelectMany(p => p.Value)
                .SelectMany(v => PostfixSettings.Tokens(v))
                .ToArray();

        public RemediationCommand Prov(params string[] arguments) =>
            IsCarbonio ? new RemediationCommand(["carbonio", "prov", .. arguments]) : new RemediationCommand(["zmprov", .. arguments]);
    }
}
