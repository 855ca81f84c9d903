using Microsoft.AspNetCore.Components.Forms;

namespace BackscatterConsole.Client.Components;

/// <summary>Puts an operation's per-field errors onto a form, mapping API field paths to form properties.</summary>
public static class FormErrors
{
    public static void Show(EditContext editContext, ValidationMessageStore store, IReadOnlyDictionary<string, string[]>? errors, Func<string, string> fieldFor)
    {
        ArgumentNullException.ThrowIfNull(editContext);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fieldFor);
        foreach (var (key, messages) in errors ?? new Dictionary<string, string[]>())
        {
            store.Add(editContext.Field(fieldFor(key)), messages);
        }

        editContext.NotifyValidationStateChanged();
    }
}
