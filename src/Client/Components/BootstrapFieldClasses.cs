using Microsoft.AspNetCore.Components.Forms;

namespace BackscatterConsole.Client.Components;

/// <summary>Maps Blazor's validation state to Bootstrap's <c>is-invalid</c> class.</summary>
public sealed class BootstrapFieldClasses : FieldCssClassProvider
{
    public static readonly BootstrapFieldClasses Instance = new();

    public override string GetFieldCssClass(EditContext editContext, in FieldIdentifier fieldIdentifier)
    {
        ArgumentNullException.ThrowIfNull(editContext);
        return editContext.GetValidationMessages(fieldIdentifier).Any() ? "is-invalid" : string.Empty;
    }
}
