using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>Finds and fills MudBlazor inputs by the data-testid given to the component.</summary>
public static class Inputs
{
    /// <summary>The input or textarea of the field with this test id (MudBlazor puts the id on the field's root).</summary>
    public static IElement Field<TComponent>(this IRenderedComponent<TComponent> rendered, string testId)
        where TComponent : IComponent =>
        rendered.Find($"[data-testid={testId}] input, [data-testid={testId}] textarea, input[data-testid={testId}], textarea[data-testid={testId}]");

    /// <summary>Types <paramref name="value"/> into the field and leaves it, as a user does before clicking a button.</summary>
    public static void Type<TComponent>(this IRenderedComponent<TComponent> rendered, string testId, string value)
        where TComponent : IComponent
    {
        var field = rendered.Field(testId);
        field.Input(value);
        rendered.Field(testId).Change(value);
    }
}
