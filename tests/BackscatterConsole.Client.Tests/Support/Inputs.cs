using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>
/// Finds and fills MudBlazor inputs by the data-testid given to the component (MudBlazor puts it on the input element
/// itself, or on the field's root for some components).
/// </summary>
public static class Inputs
{
    /// <summary>The input or textarea of the field with this test id.</summary>
    public static IElement Field<TComponent>(this IRenderedComponent<TComponent> rendered, string testId)
        where TComponent : IComponent =>
        rendered.Find($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea");

    /// <summary>What the field's value is now.</summary>
    public static string Value<TComponent>(this IRenderedComponent<TComponent> rendered, string testId)
        where TComponent : IComponent
    {
        var field = rendered.Field(testId);
        return field.GetAttribute("value") ?? field.TextContent;
    }

    /// <summary>The whole field as the user reads it: label, helper text and the error under it.</summary>
    public static string FieldText<TComponent>(this IRenderedComponent<TComponent> rendered, string testId)
        where TComponent : IComponent =>
        (rendered.Field(testId).Closest(".mud-input-control") ?? rendered.Field(testId)).TextContent;

    /// <summary>Types <paramref name="value"/> into the field and leaves it, as a user does before clicking a button.</summary>
    public static void Type<TComponent>(this IRenderedComponent<TComponent> rendered, string testId, string value)
        where TComponent : IComponent
    {
        // MudBlazor listens to input events on an Immediate field and to change events otherwise.
        var field = rendered.Field(testId);
        if (field.HasAttribute("blazor:oninput"))
        {
            field.Input(value);
        }
        else
        {
            field.Change(value);
        }
    }
}
