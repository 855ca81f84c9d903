using MudBlazor;

namespace BackscatterConsole.Client.Theme;

/// <summary>
/// The portal's one theme: palette for light and dark, and typography. Colours were chosen for contrast (WCAG AA against
/// their backgrounds, checked by the axe pass of the browser tests), and status colours mean the same everywhere:
/// error/red = fail, warning/amber = warn, info/blue = error or unknown, success/green = pass.
/// </summary>
public static class PortalTheme
{
    private static readonly string[] Sans = ["Roboto", "Helvetica", "Arial", "sans-serif"];

    /// <summary>The theme every layout passes to <c>MudThemeProvider</c>.</summary>
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e99",
            Secondary = "#00695c",
            Tertiary = "#6a1b9a",
            Info = "#0b62a4",
            Success = "#1b7a3d",
            Warning = "#9a5b00",
            Error = "#b3261e",
            AppbarBackground = "#16335f",
            AppbarText = "#ffffff",
            Background = "#f4f6fa",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "rgba(0,0,0,0.82)",
            DrawerIcon = "rgba(0,0,0,0.66)",
            TextPrimary = "rgba(0,0,0,0.87)",
            TextSecondary = "rgba(0,0,0,0.66)",
            ActionDefault = "rgba(0,0,0,0.62)",
            LinesDefault = "rgba(0,0,0,0.12)",
            TableLines = "rgba(0,0,0,0.10)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ab4f8",
            PrimaryContrastText = "#0b1f3f",
            Secondary = "#4db6ac",
            SecondaryContrastText = "#00251f",
            Tertiary = "#ce93d8",
            TertiaryContrastText = "#2a0a33",
            Info = "#64b5f6",
            InfoContrastText = "#071d33",
            Success = "#66bb6a",
            SuccessContrastText = "#0b2610",
            Warning = "#ffb74d",
            WarningContrastText = "#2e1a00",
            Error = "#f28b82",
            ErrorContrastText = "#3b0905",
            AppbarBackground = "#1b1f27",
            AppbarText = "rgba(255,255,255,0.92)",
            Background = "#12151b",
            Surface = "#1b1f27",
            DrawerBackground = "#171a21",
            DrawerText = "rgba(255,255,255,0.85)",
            DrawerIcon = "rgba(255,255,255,0.72)",
            TextPrimary = "rgba(255,255,255,0.90)",
            TextSecondary = "rgba(255,255,255,0.70)",
            ActionDefault = "rgba(255,255,255,0.72)",
            LinesDefault = "rgba(255,255,255,0.14)",
            TableLines = "rgba(255,255,255,0.12)",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Sans, FontSize = ".9375rem", LineHeight = "1.5" },
            H4 = new H4Typography { FontFamily = Sans, FontSize = "1.75rem", FontWeight = "500", LineHeight = "1.25" },
            H5 = new H5Typography { FontFamily = Sans, FontSize = "1.375rem", FontWeight = "500", LineHeight = "1.3" },
            H6 = new H6Typography { FontFamily = Sans, FontSize = "1.125rem", FontWeight = "500", LineHeight = "1.4" },
            Subtitle1 = new Subtitle1Typography { FontFamily = Sans, FontSize = "1rem", FontWeight = "500" },
            Subtitle2 = new Subtitle2Typography { FontFamily = Sans, FontSize = ".875rem", FontWeight = "500" },
            Body1 = new Body1Typography { FontFamily = Sans, FontSize = ".9375rem" },
            Body2 = new Body2Typography { FontFamily = Sans, FontSize = ".875rem" },
            Button = new ButtonTypography { FontFamily = Sans, FontWeight = "500", TextTransform = "none" },
            Caption = new CaptionTypography { FontFamily = Sans, FontSize = ".8125rem" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px", DrawerWidthLeft = "248px" },
    };
}
