using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Agent.Transport;

/// <summary>
/// The SignalR client's reconnect policy for the agent: never gives up, waits <see cref="ReconnectBackoff"/> between
/// attempts, except when the console refused the credential (<see cref="AgentHubConnection.IsCredentialRefused"/>),
/// which no retry can fix; then it stops and remembers why in <see cref="Refusal"/>.
/// </summary>
public sealed class ReconnectPolicy(ReconnectBackoff backoff) : IRetryPolicy
{
    /// <summary>The delays this policy uses, also for the first connect.</summary>
    public ReconnectBackoff Backoff { get; } = backoff;

    /// <summary>The refusal that made the policy stop, or null.</summary>
    public Exception? Refusal { get; private set; }

    /// <inheritdoc />
    public TimeSpan? NextRetryDelay(RetryContext retryContext)
    {
        ArgumentNullException.ThrowIfNull(retryContext);
        if (AgentHubConnection.IsCredentialRefused(retryContext.RetryReason))
        {
            Refusal = retryContext.RetryReason;
            return null;
        }

        return Backoff.Delay((int)Math.Min(retryContext.PreviousRetryCount, int.MaxValue));
    }
}
