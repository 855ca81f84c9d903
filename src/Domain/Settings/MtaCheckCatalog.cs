using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>Ids, explanations and weights of the checks the settings rules produce (DOMAIN.md check catalogue); titles come from <see cref="CheckCatalog"/>.</summary>
public static class MtaCheckCatalog
{
    /// <summary>Unknown recipients refused at RCPT time (settings view of the probe check).</summary>
    public const string UnknownRecipient = "smtp.unknown-recipient";

    /// <summary>A catch-all accepts everything (settings view of the probe check).</summary>
    public const string CatchAll = "smtp.catch-all";

    /// <summary>Address-verification tempfail answered with 250.</summary>
    public const string VerifyDeferCode = "mta.verify-defer-code";

    /// <summary>Disabled mailboxes accept mail and then bounce.</summary>
    public const string DisabledMailbox = "mta.disabled-mailbox";

    /// <summary>Over-quota handling notifies the sender.</summary>
    public const string QuotaNotification = "mta.quota-notification";

    /// <summary>Authenticated users may send as someone else.</summary>
    public const string SenderLoginMismatch = "mta.sender-login-mismatch";

    /// <summary>Unauthenticated mail claims a local sender.</summary>
    public const string UnlistedSender = "mta.unlisted-sender";

    /// <summary>Bogus sender domains accepted.</summary>
    public const string SenderDomain = "mta.sender-domain";

    /// <summary>No rate-limit policy service.</summary>
    public const string Policyd = "mta.policyd";

    /// <summary>Spam/virus filter bounces to the sender.</summary>
    public const string FilterBounce = "mta.filter-bounce";

    /// <summary>Testing settings such as soft_bounce left on.</summary>
    public const string BounceHygiene = "mta.bounce-hygiene";

    private static readonly Dictionary<string, (string Explanation, CheckSeverity Severity)> Entries = new(StringComparer.Ordinal)
    {
        [UnknownRecipient] = ("Accepting a recipient that does not exist forces a later bounce to the envelope sender, which spammers forge: backscatter.",
            CheckSeverity.High),
        [CatchAll] = ("A catch-all accepts mail for any address; when it forwards off the box or its mailbox fills, the mail bounces to the forged sender.",
            CheckSeverity.Medium),
        [VerifyDeferCode] = ("When recipient verification cannot finish, a 250 reply accepts mail that may be undeliverable and bounce later; 450 makes the sender retry.",
            CheckSeverity.High),
        [DisabledMailbox] = ("A disabled mailbox whose address is still accepted makes the server accept and then bounce every message sent to it.",
            CheckSeverity.High),
        [QuotaNotification] = ("Quota checks after acceptance send a notice to the envelope sender, who may be forged; notify the mailbox owner instead.",
            CheckSeverity.Medium),
        [SenderLoginMismatch] = ("Without a sender-login check a compromised account can send as anyone on the server, and the replies and bounces go to the impersonated address.",
            CheckSeverity.Medium),
        [UnlistedSender] = ("Mail from outside that claims a local address which does not exist is forged; refusing it stops bounces and replies to nowhere.",
            CheckSeverity.Low),
        [SenderDomain] = ("A sender domain that does not resolve cannot receive the bounce; accepting such mail guarantees a double bounce or backscatter.",
            CheckSeverity.Low),
        [Policyd] = ("A policy service (rate limits, quotas per sender) limits the damage when an account is compromised and used to send spam.",
            CheckSeverity.Low),
        [FilterBounce] = ("Spam and viruses carry forged senders; a filter that bounces them (D_BOUNCE) sends backscatter to innocent people.",
            CheckSeverity.High),
        [BounceHygiene] = ("soft_bounce turns permanent rejections into temporary ones: mail that should fail stays queued and bounces later, and rejections the server sends become 4xx.",
            CheckSeverity.Medium),
    };

    /// <summary>Creates a rule result for <paramref name="id"/>; the remediation text is filled only for fail, warn and unknown.</summary>
    public static MtaRuleResult Result(
        string id,
        CheckStatus status,
        string summary,
        IReadOnlyList<string> evidence,
        IReadOnlyList<RemediationCommand>? commands = null,
        IReadOnlyList<string>? manualSteps = null)
    {
        var (explanation, severity) = Entries[id];
        commands ??= [];
        manualSteps ??= [];
        var needsFix = status is CheckStatus.Fail or CheckStatus.Warn or CheckStatus.Unknown;
        var remediationLines = commands.Select(c => c.Display).Concat(manualSteps).ToArray();
        var remediation = needsFix && remediationLines.Length > 0 ? string.Join("\n", remediationLines) : null;
        return new MtaRuleResult(
            new CheckResult(id, status, severity, CheckCatalog.Title(id, status), summary, explanation, evidence, remediation),
            needsFix ? commands : [],
            needsFix ? manualSteps : []);
    }
}
