using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>Where MailEnable's post-office connector sends over-quota notices.</summary>
public enum MailEnableQuotaNotification
{
    /// <summary>Only to the mailbox owner (the Quota Notification Agent writes to the inbox): no backscatter.</summary>
    MailboxOnly,

    /// <summary>"Bounce e-mail back to sender": an NDR to a possibly forged sender.</summary>
    BounceToSender,

    /// <summary>"Send incoming mail to postmaster".</summary>
    Postmaster,
}

/// <summary>
/// The MailEnable settings that matter for backscatter, as entered in the console or reported by the agent.
/// Null means "not known"; rules then report <c>unknown</c>, never <c>pass</c>. MailEnable's registry value names for
/// these options are not publicly documented, so the connector maps them by configuration, not by names baked in here.
/// </summary>
public sealed record MailEnableOptions
{
    /// <summary>SMTP: "Authenticated senders must use valid sender address".</summary>
    public bool? AuthenticatedSendersMustUseValidSenderAddress { get; init; }

    /// <summary>SMTP: "Senders from local domains must authenticate".</summary>
    public bool? LocalDomainSendersMustAuthenticate { get; init; }

    /// <summary>SMTP: "Sender email domain must be local or resolvable through DNS".</summary>
    public bool? SenderDomainMustBeLocalOrResolvable { get; init; }

    /// <summary>Post-office connector: NDR generation for mail to disabled mailboxes.</summary>
    public bool? NdrForDisabledMailboxes { get; init; }

    /// <summary>Post-office connector: over-quota handling.</summary>
    public MailEnableQuotaNotification? QuotaNotification { get; init; }

    /// <summary>The domains hosted by the post offices, or null when not known.</summary>
    public IReadOnlyList<string>? LocalDomains { get; init; }

    /// <summary>Catch-all target per domain (domain → address); a domain without a catch-all is absent. Null when not known.</summary>
    public IReadOnlyDictionary<string, string>? CatchAlls { get; init; }

    /// <summary>Converts the options into a normalized snapshot with <see cref="MailEnableSettingKeys"/> names.</summary>
    public SettingsSnapshot ToSnapshot(DateTimeOffset collectedAt, string source = SettingsSources.MailEnableForm)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        AddBool(values, MailEnableSettingKeys.AuthenticatedSendersMustUseValidSenderAddress, AuthenticatedSendersMustUseValidSenderAddress);
        AddBool(values, MailEnableSettingKeys.LocalDomainSendersMustAuthenticate, LocalDomainSendersMustAuthenticate);
        AddBool(values, MailEnableSettingKeys.SenderDomainMustBeLocalOrResolvable, SenderDomainMustBeLocalOrResolvable);
        AddBool(values, MailEnableSettingKeys.NdrForDisabledMailboxes, NdrForDisabledMailboxes);
        if (QuotaNotification is { } quota)
        {
            values[MailEnableSettingKeys.QuotaNotification] = [quota.ToString()];
        }

        if (LocalDomains is not null)
        {
            values[MailEnableSettingKeys.LocalDomains] = LocalDomains.ToArray();
        }

        if (CatchAlls is not null)
        {
            values[MailEnableSettingKeys.CatchAlls] = CatchAlls.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => p.Key + "=" + p.Value).ToArray();
        }

        return new SettingsSnapshot(MtaPlatform.MailEnable, source, collectedAt, values, []);
    }

    private static void AddBool(Dictionary<string, IReadOnlyList<string>> values, string key, bool? value)
    {
        if (value is { } known)
        {
            values[key] = [known ? "true" : "false"];
        }
    }
}

/// <summary>Setting names of a MailEnable snapshot.</summary>
public static class MailEnableSettingKeys
{
    /// <summary>"Authenticated senders must use valid sender address" (true/false).</summary>
    public const string AuthenticatedSendersMustUseValidSenderAddress = "smtp.authenticated-senders-must-use-valid-sender-address";

    /// <summary>"Senders from local domains must authenticate" (true/false).</summary>
    public const string LocalDomainSendersMustAuthenticate = "smtp.local-domain-senders-must-authenticate";

    /// <summary>"Sender email domain must be local or resolvable through DNS" (true/false).</summary>
    public const string SenderDomainMustBeLocalOrResolvable = "smtp.sender-domain-must-be-local-or-resolvable";

    /// <summary>Post-office connector NDR generation for disabled mailboxes (true/false).</summary>
    public const string NdrForDisabledMailboxes = "postoffice.ndr-for-disabled-mailboxes";

    /// <summary>Post-office connector quota notification (<see cref="MailEnableQuotaNotification"/> name).</summary>
    public const string QuotaNotification = "postoffice.quota-notification";

    /// <summary>Hosted domains (multi-valued).</summary>
    public const string LocalDomains = "domains";

    /// <summary>Catch-alls as <c>domain=target</c> (multi-valued; empty list means none).</summary>
    public const string CatchAlls = "catch-alls";

    /// <summary>Reads a boolean key, null when absent or not a boolean.</summary>
    public static bool? ReadBool(SettingsSnapshot snapshot, string key)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Values.TryGetValue(key, out var values) && values.Count > 0 && bool.TryParse(values[0], out var parsed) ? parsed : null;
    }

    /// <summary>Reads an enum key, null when absent or unrecognised.</summary>
    public static MailEnableQuotaNotification? ReadQuota(SettingsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Values.TryGetValue(QuotaNotification, out var values) && values.Count > 0
            && Enum.TryParse<MailEnableQuotaNotification>(values[0], ignoreCase: true, out var parsed)
            ? parsed
            : null;
    }
}
