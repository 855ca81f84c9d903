namespace BackscatterConsole.Server.Emission;

/// <summary>The <c>Emission</c> section: thresholds of <c>smtp.bounce-emission</c> and how long hours are kept.</summary>
public sealed class EmissionOptions
{
    public const string Section = "Emission";

    /// <summary>The check fails when null-sender mail to foreign domains in <see cref="Window"/> is above this.</summary>
    public int FailThreshold { get; set; } = 10;

    /// <summary>The check warns when it is above this (and not above <see cref="FailThreshold"/>); 0 warns on any.</summary>
    public int WarnThreshold { get; set; }

    /// <summary>The window the check and "emitting now" sum.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A report older than this does not show the present: the check says unknown.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Hours older than this many days are deleted.</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>How often old hours are swept.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
