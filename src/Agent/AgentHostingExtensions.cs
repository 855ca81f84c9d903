using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Agent;

/// <summary>Registers the agent's services on a host builder.</summary>
public static class AgentHostingExtensions
{
    /// <summary>Binds and validates <c>Agent</c> options (failing at start-up with the offending keys) and adds the connector.</summary>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ICommandRunner>(sp => new ProcessRunner(sp.GetRequiredService<IOptions<AgentOptions>>().Value.OutputLimitCharacters));
        builder.Services.AddSingleton(sp => ConnectorFactory.Create(sp.GetRequiredService<IOptions<AgentOptions>>().Value, sp.GetRequiredService<ICommandRunner>()));
        return builder;
    }
}
