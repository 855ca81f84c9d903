using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Checklist;

/// <summary>
/// The platform-specific fix for a failed SMTP probe check, as argument vectors (DOMAIN.md check catalogue). The probe
/// itself does not know the platform, so its own remediation text lists every platform; this narrows it to the server's.
/// </summary>
public static class ProbeRemediation
{
    /// <summary>
    /// Commands for <paramref name="checkId"/> on <paramref name="platform"/> (an inventory platform value such as
    /// <c>postfix</c> or <c>carbonio</c>); empty when the fix is not a command (MailEnable's administration UI) or unknown.
    /// </summary>
    public static IReadOnlyList<RemediationCommand> For(string checkId, string platform)
    {
        ArgumentNullException.ThrowIfNull(checkId);
        ArgumentNullException.ThrowIfNull(platform);
        return (checkId, platform) switch
        {
            (SmtpProbeVerdicts.UnknownRecipientId, "postfix") =>
            [
                RemediationCommand.Of("postconf", "-e", "smtpd_reject_unlisted_recipient=yes"),
                RemediationCommand.Of("postconf", "-X", "local_recipient_maps"),
                RemediationCommand.Of("postfix", "reload"),
            ],
            (SmtpProbeVerdicts.UnknownRecipientId, "carbonio") =>
            [
                RemediationCommand.Of("carbonio", "prov", "mcf", "zimbraMtaSmtpdRejectUnlistedRecipient", "yes"),
                RemediationCommand.Of("zmmtactl", "restart"),
            ],
            (SmtpProbeVerdicts.UnknownRecipientId, "zimbra") =>
            [
                RemediationCommand.Of("zmprov", "mcf", "zimbraMtaSmtpdRejectUnlistedRecipient", "yes"),
                RemediationCommand.Of("zmmtactl", "restart"),
            ],
            (SmtpProbeVerdicts.OpenRelayId, "postfix") =>
            [
                RemediationCommand.Of("postconf", "-e", "smtpd_relay_restrictions=permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"),
                RemediationCommand.Of("postfix", "reload"),
            ],
            (SmtpProbeVerdicts.CatchAllId, "postfix") =>
            [
                RemediationCommand.Of("postconf", "-X", "luser_relay"),
                RemediationCommand.Of("postfix", "reload"),
            ],
            _ => [],
        };
    }
}
