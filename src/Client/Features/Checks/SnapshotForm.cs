using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Client.Features.Checks;

/// <summary>The settings form: pasted text for Postfix and Carbonio/Zimbra, tri-state choices for MailEnable ("" = not known).</summary>
public sealed class SnapshotForm
{
    public string? Text { get; set; }

    public string? PostconfP { get; set; }

    public string AuthenticatedSendersMustUseValidSenderAddress { get; set; } = string.Empty;

    public string LocalDomainSendersMustAuthenticate { get; set; } = string.Empty;

    public string SenderDomainMustBeLocalOrResolvable { get; set; } = string.Empty;

    public string NdrForDisabledMailboxes { get; set; } = string.Empty;

    public string QuotaNotification { get; set; } = string.Empty;

    public string? CatchAlls { get; set; }

    /// <summary>Messages per form field (the property names above).</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public string? Error(string field) => Errors.GetValueOrDefault(field);

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

    /// <summary>Puts the service's messages on their fields; a key the form has no field for lands on the main one.</summary>
    public void ShowErrors(IReadOnlyDictionary<string, string[]> errors, bool mailEnable)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var (key, messages) in errors)
        {
            var field = key switch
            {
                "postconfP" => nameof(PostconfP),
                "mailEnable.quotaNotification" => nameof(QuotaNotification),
                "mailEnable.catchAlls" => nameof(CatchAlls),
                _ when mailEnable => nameof(AuthenticatedSendersMustUseValidSenderAddress),
                _ => nameof(Text),
            };
            var text = string.Join(" ", messages);
            Errors[field] = Errors.TryGetValue(field, out var existing) ? existing + " " + text : text;
        }
    }

    private static bool? Bool(string? value) => value switch
    {
        "yes" => true,
        "no" => false,
        _ => null,
    };
}
