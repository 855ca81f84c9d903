namespace BackscatterConsole.Agent.Transport;

/// <summary>
/// Exponential backoff with jitter and a ceiling, for reconnecting forever: after a console outage a thousand agents
/// must not come back in lock-step, and a long outage must not push the delay beyond <see cref="Maximum"/>.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan initial, TimeSpan maximum, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The ceiling.</summary>
    public TimeSpan Maximum { get; } = maximum;

    /// <summary>The delay before attempt <paramref name="attempt"/> (0 = first retry): uniformly between half and all of min(max, initial × 2^attempt).</summary>
    public TimeSpan Delay(int attempt)
    {
        var exponent = Math.Clamp(attempt, 0, 30);
        var ceiling = Math.Min(Maximum.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling / 2 + (_random.NextDouble() * ceiling / 2));
    }
}
