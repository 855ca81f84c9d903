namespace BackscatterConsole.Server.Alerts;

/// <summary>The <c>Alerts</c> section.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>A rise of the risk score by at least this many points from one completed scan to the next raises an alert.</summary>
    public int RiskStep { get; set; } = 20;

    /// <summary>Waits before each retry of a webhook delivery that failed (non-2xx or no answer); their count is the number of retries.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>The delays in effect: configured, or 10 s, 1 min, 5 min.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? RetryDelays : [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];

    /// <summary>How long one delivery attempt may take.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
