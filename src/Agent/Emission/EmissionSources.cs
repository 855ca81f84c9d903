using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Emission;

/// <summary>Builds the emission source for the configured connector.</summary>
public static class EmissionSources
{
    /// <summary>The source for <see cref="AgentOptions.ConnectorKind"/>; its state lives in the agent's state directory.</summary>
    public static IEmissionSource Create(AgentOptions options, ICommandRunner runner, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = new StateDirectory(options.StateDirectory);
        if (options.Emission.ClockOffset != TimeSpan.Zero)
        {
            clock = new OffsetClock(clock, options.Emission.ClockOffset);
        }

        return options.ConnectorKind == AgentConnectorKind.MailEnable
            ? new MailEnableEmissionSource(options, state, clock)
            : new PostfixEmissionSource(options.ConnectorKind, options, runner, state, clock);
    }
}

/// <summary>A clock shifted by a fixed offset (<c>Agent:Emission:ClockOffset</c>).</summary>
internal sealed class OffsetClock(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;
}
