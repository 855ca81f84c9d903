using System.Globalization;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>How a RCPT reply reads for the backscatter question.</summary>
public enum SmtpRecipientOutcome
{
    /// <summary>No reply (the session ended first), or 421: the server is closing and said nothing about the address.</summary>
    NoReply,

    /// <summary>2xx: accepted (250, 251 will forward, 252 cannot verify but will try).</summary>
    Accepted,

    /// <summary>5xx for the address itself (5.1.x or no enhanced code).</summary>
    Rejected,

    /// <summary>5xx for a policy reason (5.7.x): relay denied, client blocked; says nothing certain about the mailbox.</summary>
    RejectedByPolicy,

    /// <summary>4xx: greylisting, verification tempfail, overload; inconclusive.</summary>
    TempFailed,
}

/// <summary>
/// Pure verdict logic over a <see cref="SmtpProbeResult"/>: no I/O, so real transcripts can be replayed in tests.
/// The rules follow the check catalogue: 5xx at the random RCPT passes, 2xx fails, 4xx warns with a retry hint,
/// and a rejected control recipient makes a rejection meaningless (never a pass).
/// </summary>
public static class SmtpProbeVerdicts
{
    /// <summary>Check id: unknown recipients rejected at RCPT time.</summary>
    public const string UnknownRecipientId = "smtp.unknown-recipient";

    /// <summary>Check id: a catch-all accepts every address.</summary>
    public const string CatchAllId = "smtp.catch-all";

    /// <summary>Check id: the server relays to foreign domains.</summary>
    public const string OpenRelayId = "smtp.open-relay";

    /// <summary>Check id: STARTTLS offered and working.</summary>
    public const string StartTlsId = "smtp.starttls";

    private const string RetryHint = "A 4xx reply is temporary (greylisting, address-verification tempfail, overload): probe again in 10–30 minutes.";

    /// <summary>Classifies one RCPT reply.</summary>
    public static SmtpRecipientOutcome Classify(SmtpReply? reply) => reply switch
    {
        null or { Code: 421 } => SmtpRecipientOutcome.NoReply,
        { IsPositive: true } => SmtpRecipientOutcome.Accepted,
        { IsTransientNegative: true } => SmtpRecipientOutcome.TempFailed,
        { IsPermanentNegative: true, EnhancedCode: { } code } when code.StartsWith("5.7.", StringComparison.Ordinal) => SmtpRecipientOutcome.RejectedByPolicy,
        { IsPermanentNegative: true } => SmtpRecipientOutcome.Rejected,
        _ => SmtpRecipientOutcome.NoReply,
    };

    /// <summary>Turns a probe result into the <c>smtp.*</c> check results, each with the transcript as evidence.</summary>
    public static IReadOnlyList<CheckResult> Evaluate(SmtpProbeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var transcript = result.Transcript.Select(t => t.ToEvidenceLine()).ToArray();
        var results = new List<CheckResult> { UnknownRecipient(result, transcript) };
        results.Add(CatchAll(result, transcript));
        results.Add(OpenRelay(result, transcript));
        results.Add(StartTls(result, transcript));
        return results;
    }

    private static CheckResult UnknownRecipient(SmtpProbeResult result, string[] transcript)
    {
        const string explanation = "A server that answers 250 to a recipient it cannot deliver must later send a bounce to the envelope sender, "
            + "which spammers forge: that bounce is backscatter. Refusing with 5xx at RCPT time lets the sending server handle the failure.";
        const string remediation = "Postfix: postconf -e smtpd_reject_unlisted_recipient=yes, keep local_recipient_maps / virtual_mailbox_maps non-empty "
            + "(relay_recipient_maps for relay domains), then postfix reload. Carbonio: carbonio prov mcf zimbraMtaSmtpdRejectUnlistedRecipient yes "
            + "(Zimbra: zmprov mcf ...). MailEnable: remove the domain catch-alls so unmatched addresses are refused.";
        var control = result.Recipients.FirstOrDefault(r => r.Kind == SmtpRecipientKind.Control);
        var controlOutcome = Classify(control?.Reply);
        var verdicts = new List<(string Domain, CheckStatus Status, string Line)>();
        foreach (var domain in result.HostedDomains)
        {
            var probe = result.Recipients.FirstOrDefault(r => r.Kind == SmtpRecipientKind.RandomUnknown && r.Domain == domain);
            verdicts.Add(DomainVerdict(result, domain, probe, result.ControlConfigured, controlOutcome));
        }

        if (verdicts.Count == 0)
        {
            return Result(UnknownRecipientId, CheckStatus.Unknown, CheckSeverity.High, "No hosted domain was probed.", explanation, transcript, null);
        }

        var status = Worst(verdicts.Select(v => v.Status));
        var evidence = verdicts.Select(v => v.Line).ToList();
        if (control is not null)
        {
            evidence.Add($"control <{control.Address}>: {control.Reply?.ToString() ?? "no reply"}");
        }

        var summary = status switch
        {
            CheckStatus.Pass => "Random non-existent recipients were refused with 5xx at RCPT time.",
            CheckStatus.Fail => "The server accepted a random non-existent recipient (" + string.Join(", ", verdicts.Where(v => v.Status == CheckStatus.Fail).Select(v => v.Domain)) + "): it will bounce later.",
            CheckStatus.Warn => "The result is inconclusive: " + verdicts.First(v => v.Status == CheckStatus.Warn).Line,
            _ => "The probe could not reach a verdict: " + (result.Failure?.Message ?? verdicts.First(v => v.Status != CheckStatus.Pass).Line),
        };
        return Result(UnknownRecipientId, status, CheckSeverity.High, summary, explanation, [.. evidence, .. transcript], status is CheckStatus.Fail or CheckStatus.Warn ? remediation : null);
    }

    private static (string Domain, CheckStatus Status, string Line) DomainVerdict(
        SmtpProbeResult result, string domain, SmtpRecipientProbe? probe, bool controlConfigured, SmtpRecipientOutcome controlOutcome)
    {
        if (probe?.Reply is null)
        {
            return (domain, BlockedStatus(result), $"{domain}: no RCPT verdict ({BlockedReason(result)})");
        }

        var line = $"{domain}: RCPT TO:<{probe.Address}> -> {probe.Reply}";
        var controlRejected = controlConfigured && controlOutcome != SmtpRecipientOutcome.Accepted;
        return Classify(probe.Reply) switch
        {
            SmtpRecipientOutcome.Accepted => (domain, CheckStatus.Fail, line + " (accepted: accept-then-bounce or catch-all)"),
            SmtpRecipientOutcome.TempFailed => (domain, CheckStatus.Warn, line + " (temporary; " + RetryHint + ")"),
            SmtpRecipientOutcome.Rejected when controlRejected => (domain, CheckStatus.Warn, line + " (but the control recipient was not accepted either: the probe itself may be blocked)"),
            SmtpRecipientOutcome.Rejected => (domain, CheckStatus.Pass, line),
            SmtpRecipientOutcome.RejectedByPolicy when controlConfigured && !controlRejected => (domain, CheckStatus.Pass, line + " (policy code, but the control recipient was accepted)"),
            SmtpRecipientOutcome.RejectedByPolicy => (domain, CheckStatus.Warn, line + " (a 5.7.x policy refusal, not proof that unknown mailboxes are refused: the domain may not be hosted here or the probe is blocked; configure a control recipient)"),
            _ => (domain, CheckStatus.Error, line),
        };
    }

    private static CheckResult CatchAll(SmtpProbeResult result, string[] transcript)
    {
        const string explanation = "A catch-all accepts mail for any address. When it forwards off the box, or the target mailbox fills up, "
            + "the accepted mail is bounced to the forged sender. It also hides the unknown-recipient check from the sender.";
        const string remediation = "MailEnable: disable the domain catch-all. Postfix: remove luser_relay and wildcard (@domain) entries from the virtual and canonical maps, then postfix reload.";
        if (!result.CatchAllTestConfigured)
        {
            return Result(CatchAllId, CheckStatus.Unknown, CheckSeverity.Medium, "The catch-all test was turned off.", explanation, [], null);
        }

        var verdicts = new List<(CheckStatus Status, string Line)>();
        foreach (var domain in result.HostedDomains)
        {
            var first = result.Recipients.FirstOrDefault(r => r.Kind == SmtpRecipientKind.RandomUnknown && r.Domain == domain);
            var second = result.Recipients.FirstOrDefault(r => r.Kind == SmtpRecipientKind.SecondRandomUnknown && r.Domain == domain);
            if (first is null || second is null || Classify(first.Reply) == SmtpRecipientOutcome.NoReply || Classify(second.Reply) == SmtpRecipientOutcome.NoReply)
            {
                verdicts.Add((BlockedStatus(result), $"{domain}: no verdict ({BlockedReason(result)})"));
                continue;
            }

            var line = $"{domain}: <{first.Address}> -> {first.Reply}; <{second.Address}> -> {second.Reply}";
            verdicts.Add((Classify(first.Reply), Classify(second.Reply)) switch
            {
                (SmtpRecipientOutcome.Accepted, SmtpRecipientOutcome.Accepted) => (CheckStatus.Warn, line + " (both random addresses accepted: catch-all or accept-all)"),
                (SmtpRecipientOutcome.Rejected or SmtpRecipientOutcome.RejectedByPolicy, _) => (CheckStatus.Pass, line),
                (SmtpRecipientOutcome.TempFailed, _) or (_, SmtpRecipientOutcome.TempFailed) => (CheckStatus.Warn, line + " (temporary; " + RetryHint + ")"),
                _ => (CheckStatus.Warn, line + " (the two random addresses were answered differently)"),
            });
        }

        if (verdicts.Count == 0)
        {
            return Result(CatchAllId, CheckStatus.Unknown, CheckSeverity.Medium, "No hosted domain was probed.", explanation, [], null);
        }

        var status = Worst(verdicts.Select(v => v.Status));
        var summary = status switch
        {
            CheckStatus.Pass => "Random addresses were refused: no catch-all answers for the probed domains.",
            CheckStatus.Warn => verdicts.First(v => v.Status == CheckStatus.Warn).Line,
            _ => "The probe could not reach a verdict: " + BlockedReason(result),
        };
        return Result(CatchAllId, status, CheckSeverity.Medium, summary, explanation, [.. verdicts.Select(v => v.Line), .. transcript], status == CheckStatus.Warn ? remediation : null);
    }

    private static CheckResult OpenRelay(SmtpProbeResult result, string[] transcript)
    {
        const string explanation = "An open relay forwards anyone's mail to any domain; it is abused for spam within hours and its failed deliveries bounce to forged senders.";
        const string remediation = "Postfix: postconf -e \"smtpd_relay_restrictions=permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\", then postfix reload. MailEnable: allow relay only for authenticated senders and trusted IP ranges.";
        if (!result.RelayTestConfigured)
        {
            return Result(OpenRelayId, CheckStatus.Unknown, CheckSeverity.Critical, "The open-relay test was turned off.", explanation, [], null);
        }

        var probe = result.Recipients.FirstOrDefault(r => r.Kind == SmtpRecipientKind.Relay);
        if (probe is null || Classify(probe.Reply) == SmtpRecipientOutcome.NoReply)
        {
            var status = BlockedStatus(result);
            return Result(OpenRelayId, status, CheckSeverity.Critical, "No verdict: " + BlockedReason(result), explanation, transcript, null);
        }

        var line = $"RCPT TO:<{probe.Address}> (foreign domain, unauthenticated) -> {probe.Reply}";
        return Classify(probe.Reply) switch
        {
            SmtpRecipientOutcome.Accepted => Result(OpenRelayId, CheckStatus.Fail, CheckSeverity.Critical, "The server accepted a recipient at a foreign domain from an unauthenticated client: it is an open relay.", explanation, [line, .. transcript], remediation),
            SmtpRecipientOutcome.TempFailed => Result(OpenRelayId, CheckStatus.Warn, CheckSeverity.Critical, "Relay was refused only temporarily (4xx); a permanent 5xx refusal is clearer. " + RetryHint, explanation, [line, .. transcript], remediation),
            _ => Result(OpenRelayId, CheckStatus.Pass, CheckSeverity.Critical, "Relay to a foreign domain was refused: " + probe.Reply, explanation, [line, .. transcript], null),
        };
    }

    private static CheckResult StartTls(SmtpProbeResult result, string[] transcript)
    {
        const string explanation = "Without STARTTLS mail and envelope addresses cross the network in clear text; not a backscatter cause, but part of the server's posture.";
        const string remediation = "Postfix: postconf -e smtpd_tls_security_level=may with smtpd_tls_chain_files set to a valid key and certificate chain, then postfix reload.";
        if (result.HelloReply is null && result.TlsFailure is null)
        {
            return Result(StartTlsId, CheckStatus.Error, CheckSeverity.Low, "No EHLO reply: " + BlockedReason(result), explanation, transcript, null);
        }

        if (result.TlsFailure is not null)
        {
            return Result(StartTlsId, CheckStatus.Warn, CheckSeverity.Low, "STARTTLS is offered but the TLS handshake failed: " + result.TlsFailure, explanation, transcript, remediation);
        }

        if (!result.StartTlsOffered)
        {
            return Result(StartTlsId, CheckStatus.Warn, CheckSeverity.Low, "The EHLO reply does not offer STARTTLS.", explanation, transcript, remediation);
        }

        if (result.Tls is not { } tls)
        {
            return Result(StartTlsId, CheckStatus.Info, CheckSeverity.Low, "STARTTLS is offered (the handshake was not attempted).", explanation, transcript, null);
        }

        var certificate = string.Create(CultureInfo.InvariantCulture, $"{tls.Protocol} {tls.CipherSuite}; subject {tls.Subject}; issuer {tls.Issuer}; valid {tls.NotBefore:u} to {tls.NotAfter:u}");
        var problems = tls.ValidationErrors.ToList();
        if (tls.NotAfter is { } notAfter && notAfter < result.StartedAt)
        {
            problems.Add("the certificate has expired");
        }

        return problems.Count == 0
            ? Result(StartTlsId, CheckStatus.Pass, CheckSeverity.Low, "STARTTLS works and the certificate validates.", explanation, [certificate, .. transcript], null)
            : Result(StartTlsId, CheckStatus.Warn, CheckSeverity.Low, "STARTTLS works but the certificate has problems: " + string.Join("; ", problems) + ".", explanation, [certificate, .. problems, .. transcript], remediation);
    }

    /// <summary>Check id: disabled mailboxes refuse mail at SMTP time (the probe's view of <c>mta.disabled-mailbox</c>).</summary>
    public const string DisabledMailboxId = "mta.disabled-mailbox";

    /// <summary>
    /// The probe's view of <c>mta.disabled-mailbox</c>: each address of a disabled mailbox that the probe tried
    /// (<see cref="SmtpRecipientKind.Named"/>) fails when accepted, passes when refused, and warns on 4xx or when the
    /// control recipient was refused too (the probe itself may be blocked).
    /// </summary>
    /// <param name="result">A probe run with the addresses in <see cref="SmtpProbeOptions.NamedRecipients"/>.</param>
    /// <param name="mailboxOf">The disabled mailbox each address belongs to, for the evidence.</param>
    public static CheckResult DisabledMailboxes(SmtpProbeResult result, IReadOnlyDictionary<string, string> mailboxOf)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(mailboxOf);
        const string explanation = "A disabled mailbox whose address the server still accepts makes it accept and then bounce every message sent there; "
            + "the bounce goes to the envelope sender, which spammers forge.";
        const string remediation = "Make the server refuse the addresses of disabled mailboxes at RCPT time: Carbonio/Zimbra: set zimbraMailStatus disabled on the account "
            + "(or remove its addresses); Postfix: list them with a rejection in a check_recipient_access table, or remove them from the recipient maps; "
            + "MailEnable: remove the address map of the disabled mailbox.";
        var transcript = result.Transcript.Select(t => t.ToEvidenceLine()).ToArray();
        var control = result.Recipients.FirstOrDefault(r => r.Kind == SmtpRecipientKind.Control);
        var controlRejected = result.ControlConfigured && Classify(control?.Reply) != SmtpRecipientOutcome.Accepted;
        var tried = result.Recipients.Where(r => r.Kind == SmtpRecipientKind.Named).ToArray();
        if (tried.Length == 0 || tried.All(r => Classify(r.Reply) == SmtpRecipientOutcome.NoReply))
        {
            return Result(DisabledMailboxId, BlockedStatus(result), CheckSeverity.High, "No verdict: " + BlockedReason(result), explanation, transcript, null);
        }

        var verdicts = tried.Select(r =>
        {
            var owner = mailboxOf.TryGetValue(r.Address, out var mailbox) && !string.Equals(mailbox, r.Address, StringComparison.OrdinalIgnoreCase) ? $" (disabled mailbox {mailbox})" : " (disabled mailbox)";
            var line = $"RCPT TO:<{r.Address}>{owner} -> {r.Reply?.ToString() ?? "no reply"}";
            return Classify(r.Reply) switch
            {
                SmtpRecipientOutcome.Accepted => (r.Address, Status: CheckStatus.Fail, Line: line + " (accepted: the mail will bounce)"),
                SmtpRecipientOutcome.TempFailed => (r.Address, Status: CheckStatus.Warn, Line: line + " (temporary; " + RetryHint + ")"),
                SmtpRecipientOutcome.Rejected or SmtpRecipientOutcome.RejectedByPolicy when controlRejected =>
                    (r.Address, Status: CheckStatus.Warn, Line: line + " (but the control recipient was not accepted either: the probe itself may be blocked)"),
                SmtpRecipientOutcome.Rejected or SmtpRecipientOutcome.RejectedByPolicy => (r.Address, Status: CheckStatus.Pass, Line: line),
                _ => (r.Address, Status: BlockedStatus(result), Line: line + " (" + BlockedReason(result) + ")"),
            };
        }).ToArray();
        var status = Worst(verdicts.Select(v => v.Status));
        var evidence = verdicts.Select(v => v.Line).ToList();
        if (control is not null)
        {
            evidence.Add($"control <{control.Address}>: {control.Reply?.ToString() ?? "no reply"}");
        }

        var accepted = verdicts.Where(v => v.Status == CheckStatus.Fail).Select(v => v.Address).ToArray();
        var summary = status switch
        {
            CheckStatus.Pass => $"The server refused all {verdicts.Length} tried address(es) of disabled mailboxes at RCPT time.",
            CheckStatus.Fail => $"The server accepted {accepted.Length} of {verdicts.Length} tried address(es) of disabled mailboxes, so mail to them bounces later: {string.Join(", ", accepted)}.",
            CheckStatus.Warn => "The result is inconclusive: " + verdicts.First(v => v.Status == CheckStatus.Warn).Line,
            _ => "The probe could not reach a verdict: " + verdicts.First(v => v.Status != CheckStatus.Pass).Line,
        };
        return Result(DisabledMailboxId, status, CheckSeverity.High, summary, explanation, [.. evidence, .. transcript], status is CheckStatus.Fail or CheckStatus.Warn ? remediation : null);
    }

    private static CheckStatus BlockedStatus(SmtpProbeResult result) =>
        result.Failure is null && result.MailFromReply is { IsTransientNegative: true } ? CheckStatus.Warn : CheckStatus.Error;

    private static string BlockedReason(SmtpProbeResult result)
    {
        if (result.Failure is { } failure)
        {
            return failure.Message;
        }

        if (result.MailFromReply is { IsPositive: false } mail)
        {
            return mail.IsTransientNegative
                ? "MAIL FROM was deferred: " + mail + ". " + RetryHint
                : "MAIL FROM was refused, so the probe itself is blocked: " + mail;
        }

        return "the session ended before this recipient was tried";
    }

    /// <summary>Fail beats warn beats error: evidence of a problem outweighs a step that could not run, and neither may read as a pass.</summary>
    private static CheckStatus Worst(IEnumerable<CheckStatus> statuses) =>
        statuses.OrderByDescending(Rank).First();

    private static int Rank(CheckStatus status) => status switch
    {
        CheckStatus.Fail => 5,
        CheckStatus.Warn => 4,
        CheckStatus.Error => 3,
        CheckStatus.Unknown => 2,
        CheckStatus.Pass => 1,
        _ => 0,
    };

    /// <summary>A result whose title is the catalogue's for its status (<see cref="CheckCatalog"/>).</summary>
    private static CheckResult Result(string id, CheckStatus status, CheckSeverity severity, string summary, string explanation, IReadOnlyList<string> evidence, string? remediation) =>
        new(id, status, severity, CheckCatalog.Title(id, status), summary, explanation, evidence, remediation);
}
