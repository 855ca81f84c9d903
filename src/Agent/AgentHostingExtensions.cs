using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Emission;
using BackscatterConsole.Agent.Enrollment;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Agent.Hosting;
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
        if (builder.Configuration.GetValue($"{AgentOptions.Section}:Emission:Enabled", true))
        {
            builder.Services.AddSingleton(sp => EmissionSources.Create(sp.GetRequiredService<IOptions<AgentOptions>>().Value, sp.GetRequiredService<ICommandRunner>(), sp.GetRequiredService<TimeProvider>()));
        }

        builder.Services.AddSingleton(sp => new CredentialStore(new StateDirectory(sp.GetRequiredService<IOptions<AgentOptions>>().Value.StateDirectory)));
        builder.Services.AddSingleton(sp => new EnrollmentClient(
            new HttpClient { Timeout = TimeSpan.FromSeconds(30) },
            sp.GetRequiredService<CredentialStore>(),
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EnrollmentClient>>()));
        builder.Services.AddHostedService<AgentWorker>();

        // A fatal start-up error (no enrollment token, a refused token) stops the process instead of leaving an idle service.
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
        builder.AddServiceManagers();
        return builder;
    }
}

