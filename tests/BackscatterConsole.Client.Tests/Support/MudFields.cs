using AngleSharp.Dom;
using Microsoft.AspNetCore.Components;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>
/// Finds MudBlazor inputs by their <c>data-testid</c>: MudBlazor puts a component's extra attributes on its inner
/// <c>input</c>, while its label, helper and error text live in the surrounding input control.
/// </summary>
public static class MudFields
{
    /// <summary>The input element of the field with this test id.</summary>
    public static IElement Field<TComponent>(this IRenderedComponent<TComponent> cut, string testId)
        where TComponent : IComponent =>
        cut.Find($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input");

    /// <summary>Everything the field shows around its input: label, helper text and error message.</summary>
    public static string FieldText<TComponent>(this IRenderedComponent<TComponent> cut, string testId)
        where TComponent : IComponent
    {
        var input = cut.Field(testId);
        return (input.Closest(".mud-input-control") ?? input).TextContent;
    }
}
