using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;
using static BackscatterConsole.Domain.Settings.MtaCheckCatalog;

namespace BackscatterConsole.Domain.Settings;

/// <summary>Settings rules for Postfix, over <c>postconf -n</c> plus <c>postconf -P</c>.</summary>
internal static class PostfixRules
{
    private static readonly string[] LoginMismatchKeywords =
        ["reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch", "reject_known_sender_login_mismatch"];

    public static IReadOnlyList<MtaRuleResult> Evaluate(SettingsSnapshot snapshot)
    {
        var settings = new PostfixSettings(snapshot);
        return
        [
            UnknownRecipient(settings),
            CatchAll(settings),
            VerifyDeferCode(settings),
            MailboxRules.PostfixDisabled(snapshot.Mailboxes, settings),
            Result(QuotaNotification, CheckStatus.Unknown, "Quotas are enforced by the delivery agent (for example Dovecot LMTP), not by Postfix, and the agent does not read the delivery agent's quota configuration; check that over-quota mail is refused at RCPT (for example with Dovecot's quota-status policy service).", []),
            SenderLoginMismatch(settings),
            UnlistedSender(settings),
            SenderDomain(settings),
            Policy(settings),
            FilterBounce(settings),
            BounceHygieneRule(settings),
            SenderCalloutRule(settings),
        ];
    }

    private static MtaRuleResult UnknownRecipient(PostfixSettings settings)
    {
        var evidence = new List<string>();
        var commands = new List<RemediationCommand>();
        var problems = new List<string>();
        foreach (var service in settings.MxServices())
        {
            var unlisted = settings.Get("smtpd_reject_unlisted_recipient", service);
            var localMaps = settings.Get("local_recipient_maps", service);
            var relayDomains = settings.Get("relay_domains", service);
            var relayMaps = settings.Get("relay_recipient_maps", service);
            evidence.Add($"[{service}] {unlisted.Evidence}");
            evidence.Add($"[{service}] {localMaps.Evidence}");
            if (!PostfixSettings.IsYes(unlisted.Value))
            {
                problems.Add($"{service}: smtpd_reject_unlisted_recipient = {unlisted.Value}");
                commands.Add(PostfixSettings.SetCommand(unlisted, "yes"));
            }

            if (!localMaps.IsDefault && string.IsNullOrWhiteSpace(settings.Expand(localMaps)))
            {
                problems.Add($"{service}: local_recipient_maps is empty, so every address at a local domain is accepted");
                commands.Add(PostfixSettings.ResetCommand(localMaps));
            }

            if (!relayDomains.IsDefault && PostfixSettings.Tokens(settings.Expand(relayDomains)).Count > 0 && string.IsNullOrWhiteSpace(settings.Expand(relayMaps)))
            {
                evidence.Add($"[{service}] {relayDomains.Evidence}; {relayMaps.Evidence}");
                problems.Add($"{service}: relay_domains are set without relay_recipient_maps, so every address at a relay domain is accepted");
            }
        }

        if (problems.Count == 0)
        {
            return Result(MtaCheckCatalog.UnknownRecipient, CheckStatus.Pass, "Postfix refuses unlisted recipients and its recipient maps are not empty.", evidence);
        }

        var steps = problems.Any(p => p.Contains("relay_recipient_maps", StringComparison.Ordinal))
            ? new[] { "List the valid addresses of each relay domain in relay_recipient_maps (postconf -e relay_recipient_maps=hash:/etc/postfix/relay_recipients, then postmap the file)." }
            : [];
        return Result(MtaCheckCatalog.UnknownRecipient, CheckStatus.Fail, "Postfix accepts unknown recipients: " + string.Join("; ", problems) + ".", evidence, [.. commands.Distinct(), PostfixSettings.Reload], steps);
    }

    private static MtaRuleResult CatchAll(PostfixSettings settings)
    {
        var luser = settings.Get("luser_relay");
        if (!string.IsNullOrWhiteSpace(luser.Value))
        {
            return Result(MtaCheckCatalog.CatchAll, CheckStatus.Warn, $"luser_relay sends mail for unknown local users to {luser.Value}.", [luser.Evidence], [PostfixSettings.ResetCommand(luser), PostfixSettings.Reload]);
        }

        return Result(MtaCheckCatalog.CatchAll, CheckStatus.Info, "luser_relay is not set; wildcard (@domain) entries inside virtual_alias_maps cannot be seen from postconf, the SMTP probe detects them.", [luser.Evidence]);
    }

    private static MtaRuleResult VerifyDeferCode(PostfixSettings settings)
    {
        var code = settings.Get("unverified_recipient_defer_code");
        var active = settings.MxServices().Where(s => settings.HasRestriction(s, "reject_unverified_recipient")).ToArray();
        var evidence = new List<string> { code.Evidence, active.Length > 0 ? "reject_unverified_recipient is used on " + string.Join(", ", active) : "reject_unverified_recipient is not used in the smtpd restriction lists" };
        if (code.Value is null)
        {
            return Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Unknown, "The defer code is not known.", evidence);
        }

        var fix = new[] { PostfixSettings.SetCommand(code, "450"), PostfixSettings.Reload };
        if (code.Value.StartsWith('2'))
        {
            return active.Length > 0
                ? Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Fail, $"unverified_recipient_defer_code is {code.Value} while reject_unverified_recipient is active: a recipient that cannot be verified yet is accepted and may bounce later.", evidence, fix)
                : Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Warn, $"unverified_recipient_defer_code is {code.Value}; address verification is not active now, but turning it on would accept unverifiable recipients.", evidence, fix);
        }

        return Result(MtaCheckCatalog.VerifyDeferCode, CheckStatus.Pass, $"Verification tempfails are answered with {code.Value}.", evidence);
    }

    private static MtaRuleResult SenderLoginMismatch(PostfixSettings settings)
    {
        var evidence = new List<string>();
        var saslServices = settings.AllSmtpdServices().Where(s => PostfixSettings.IsYes(settings.Get("smtpd_sasl_auth_enable", s).Value)).ToArray();
        foreach (var service in settings.AllSmtpdServices())
        {
            evidence.Add($"[{service}] {settings.Get("smtpd_sasl_auth_enable", service).Evidence}");
        }

        if (saslServices.Length == 0)
        {
            return Result(MtaCheckCatalog.SenderLoginMismatch, CheckStatus.Info, "No smtpd service enables SASL authentication, so no authenticated user can send through this server.", evidence);
        }

        var maps = settings.Get("smtpd_sender_login_maps");
        evidence.Add(maps.Evidence);
        var unenforced = new List<string>();
        var commands = new List<RemediationCommand>();
        foreach (var service in saslServices)
        {
            var senderRestrictions = settings.Get("smtpd_sender_restrictions", service);
            evidence.Add($"[{service}] {senderRestrictions.Evidence}");
            if (!LoginMismatchKeywords.Any(k => settings.HasRestriction(service, k)))
            {
                unenforced.Add(service);
                var current = senderRestrictions.Value ?? string.Empty;
                var updated = current.Length == 0 ? "reject_authenticated_sender_login_mismatch" : current + ", reject_authenticated_sender_login_mismatch";
                commands.Add(PostfixSettings.SetCommand(senderRestrictions, updated));
            }
        }

        var mapsMissing = string.IsNullOrWhiteSpace(maps.Value);
        if (unenforced.Count == 0 && !mapsMissing)
        {
            return Result(MtaCheckCatalog.SenderLoginMismatch, CheckStatus.Pass, "Authenticated senders are checked against smtpd_sender_login_maps.", evidence);
        }

        var steps = new List<string>();
        if (mapsMissing)
        {
            commands.Insert(0, RemediationCommand.Of("postconf", "-e", "smtpd_sender_login_maps=hash:/etc/postfix/sender_login_maps"));
            steps.Add("Create /etc/postfix/sender_login_maps (one line per address: address login) and run postmap /etc/postfix/sender_login_maps.");
        }

        commands.Add(PostfixSettings.Reload);
        var summary = mapsMissing
            ? "smtpd_sender_login_maps is empty: nothing ties an authenticated login to the addresses it may use."
            : "The sender-login check is not enforced on " + string.Join(", ", unenforced) + ".";
        return Result(MtaCheckCatalog.SenderLoginMismatch, mapsMissing ? CheckStatus.Fail : CheckStatus.Warn, summary, evidence, commands, steps);
    }

    private static MtaRuleResult UnlistedSender(PostfixSettings settings)
    {
        var value = settings.Get("smtpd_reject_unlisted_sender");
        return PostfixSettings.IsYes(value.Value)
            ? Result(MtaCheckCatalog.UnlistedSender, CheckStatus.Pass, "Mail claiming a non-existent local sender is refused.", [value.Evidence])
            : Result(MtaCheckCatalog.UnlistedSender, CheckStatus.Warn, "smtpd_reject_unlisted_sender is no: mail may claim any address at a local domain.", [value.Evidence], [PostfixSettings.SetCommand(value, "yes"), PostfixSettings.Reload]);
    }

    private static MtaRuleResult SenderDomain(PostfixSettings settings)
    {
        var evidence = new List<string>();
        var missing = new List<string>();
        foreach (var service in settings.MxServices())
        {
            evidence.AddRange(settings.Restrictions(service).Where(r => !r.IsDefault).Select(r => $"[{service}] {r.Evidence}"));
            if (!settings.HasRestriction(service, "reject_unknown_sender_domain"))
            {
                missing.Add(service);
            }
        }

        if (missing.Count == 0)
        {
            return Result(MtaCheckCatalog.SenderDomain, CheckStatus.Pass, "reject_unknown_sender_domain is active on every MX-facing smtpd.", evidence);
        }

        var senderRestrictions = settings.Get("smtpd_sender_restrictions", missing[0]);
        var current = senderRestrictions.Value ?? string.Empty;
        var parts = current.Length > 0 ? new List<string> { current } : [];
        parts.AddRange(new[] { "reject_non_fqdn_sender", "reject_unknown_sender_domain" }.Where(k => !PostfixSettings.Tokens(current).Contains(k, StringComparer.Ordinal)));
        var updated = string.Join(", ", parts);
        return Result(
            MtaCheckCatalog.SenderDomain,
            CheckStatus.Warn,
            "reject_unknown_sender_domain is missing on " + string.Join(", ", missing) + ": mail from sender domains that cannot receive a bounce is accepted.",
            evidence.Count == 0 ? ["no smtpd restriction list is set (all Postfix defaults)"] : evidence,
            [PostfixSettings.SetCommand(senderRestrictions, updated), PostfixSettings.Reload]);
    }

    private static MtaRuleResult Policy(PostfixSettings settings)
    {
        var withPolicy = settings.AllSmtpdServices().Where(s => settings.HasRestriction(s, "check_policy_service")).ToArray();
        if (withPolicy.Length > 0)
        {
            return Result(Policyd, CheckStatus.Pass, "A policy service is consulted on " + string.Join(", ", withPolicy) + ".", settings.Restrictions(withPolicy[0]).Where(r => r.Value?.Contains("check_policy_service", StringComparison.Ordinal) == true).Select(r => $"[{withPolicy[0]}] {r.Evidence}").ToArray());
        }

        var recipient = settings.Get("smtpd_recipient_restrictions");
        var updated = string.IsNullOrWhiteSpace(recipient.Value) ? "check_policy_service unix:private/policy" : "check_policy_service unix:private/policy, " + recipient.Value;
        return Result(
            Policyd,
            CheckStatus.Warn,
            "No smtpd restriction list calls check_policy_service: nothing limits how fast a compromised account can send.",
            [recipient.Evidence],
            [PostfixSettings.SetCommand(recipient, updated), PostfixSettings.Reload],
            ["Install and run a rate-limiting policy daemon listening on private/policy (for example policyd-rate-limit or postfwd) before adding it to the restrictions."]);
    }

    private static MtaRuleResult FilterBounce(PostfixSettings settings)
    {
        var filter = settings.Get("content_filter");
        return Result(MtaCheckCatalog.FilterBounce, CheckStatus.Unknown, "The content filter's own settings (amavis $final_*_destiny) are not part of postconf; the agent is needed.", [filter.Evidence]);
    }

    private static MtaRuleResult BounceHygieneRule(PostfixSettings settings)
    {
        var soft = settings.Get("soft_bounce");
        return PostfixSettings.IsYes(soft.Value)
            ? Result(BounceHygiene, CheckStatus.Warn, "soft_bounce is yes, a testing setting: permanent failures are deferred and bounce later instead of being refused.", [soft.Evidence], [PostfixSettings.SetCommand(soft, "no"), PostfixSettings.Reload])
            : Result(BounceHygiene, CheckStatus.Pass, "soft_bounce is off.", [soft.Evidence]);
    }

    /// <summary>
    /// Any smtpd service, submission included: a callout from any port probes the forged sender's server just the same.
    /// Each list that holds the keyword gets its own fix where it is set (main.cf or the master.cf override).
    /// </summary>
    private static MtaRuleResult SenderCalloutRule(PostfixSettings settings)
    {
        const string keyword = "reject_unverified_sender";
        var evidence = new List<string>();
        var commands = new List<RemediationCommand>();
        var places = new List<string>();
        var fixedLists = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in settings.AllSmtpdServices())
        {
            foreach (var list in settings.Restrictions(service).Where(r => PostfixSettings.Tokens(r.Value).Contains(keyword, StringComparer.Ordinal)))
            {
                evidence.Add($"[{service}] {list.Evidence}");
                places.Add($"{list.Name} of {service}");
                var where = list.Origin == PostfixValueOrigin.ServiceOverride ? $"{list.Service}/{list.Name}" : list.Name;
                if (fixedLists.Add(where))
                {
                    var kept = PostfixSettings.Tokens(list.Value).Where(t => !string.Equals(t, keyword, StringComparison.Ordinal));
                    commands.Add(PostfixSettings.SetCommand(list, string.Join(", ", kept)));
                }
            }
        }

        if (places.Count == 0)
        {
            return Result(SenderCallout, CheckStatus.Pass, "No smtpd restriction list (main.cf or master.cf override) contains reject_unverified_sender.",
                settings.Restrictions(PostfixSettings.SmtpService).Where(r => !r.IsDefault).Select(r => $"[{PostfixSettings.SmtpService}] {r.Evidence}").DefaultIfEmpty("no smtpd restriction list is set (all Postfix defaults)").ToArray());
        }

        commands.Add(PostfixSettings.Reload);
        return Result(
            SenderCallout,
            CheckStatus.Warn,
            "reject_unverified_sender is in " + string.Join(", ", places) + ": the server makes a sender callout for mail it receives, probing the (often forged) sender's server; ips.backscatterer.org lists servers for that.",
            evidence,
            commands,
            ["Refuse forged senders without probing them instead: reject_unknown_sender_domain, SPF and DMARC checks."]);
    }
}
