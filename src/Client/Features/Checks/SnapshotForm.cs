using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Client.Features.Checks;

/// <summary>The settings form: pasted text for Postfix and Carbonio/Zimbra, tri-state choices for MailEnable ("" = not known).</summary>
public sealed class SnapshotForm
{
    public string? Text { get; set; }

    public string? PostconfP { get; set; }

    public string? AuthenticatedSendersMustUseValidSenderAddress { get; set; }

    public string? LocalDomainSendersMustAuthenticate { get; set; }

    public string? SenderDomainMustBeLocalOrResolvable { get; set; }

    public string? NdrForDisabledMailboxes { get; set; }

    public string? QuotaNotification { get; set; }

    public string? CatchAlls { get; set; }

    public SettingsSnapshotInput ToInput(bool mailEnable) => mailEnable
        ? new SettingsSnapshotInput
        {
            MailEnable = new MailEnableSettingsInput
            {
                AuthenticatedSendersMustUseValidSenderAddress = Bool(AuthenticatedSendersMustUseValidSenderAddress),
                LocalDomainSendersMustAuthenticate = Bool(LocalDomainSendersMustAuthenticate),
                SenderDomainMustBeLocalOrResolvable = Bool(SenderDomainMustBeLocalOrResolvable),
                NdrForDisabledMailboxes = Bool(NdrForDisabledMailboxes),
                QuotaNotification = string.IsNullOrWhiteSpace(QuotaNotification) ? null : QuotaNotification,
                CatchAlls = CatchAlls is null ? null : CatchAlls.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList(),
            },
        }
        : new SettingsSnapshotInput { Text = Text, PostconfP = string.IsNullOrWhiteSpace(PostconfP) ? null : PostconfP };

    /// <summary>The form field an API error key belongs to.</summary>
    public static string FieldFor(string key) => key switch
    {
        "postconfP" => nameof(PostconfP),
        "mailEnable.quotaNotification" => nameof(QuotaNotification),
        "mailEnable.catchAlls" => nameof(CatchAlls),
        "mailEnable" => nameof(AuthenticatedSendersMustUseValidSenderAddress),
        _ => nameof(Text),
    };

    private static bool? Bool(string? value) => value switch
    {
        "yes" => true,
        "no" => false,
        _ => null,
    };
}
