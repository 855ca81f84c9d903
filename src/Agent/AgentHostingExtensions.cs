using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
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

    /// <summary>
    /// Integrates with the service manager that started the agent: systemd (<c>Type=notify</c> readiness through
    /// <c>NOTIFY_SOCKET</c>, journal-friendly log lines when <c>JOURNAL_STREAM</c> is set) and the Windows Service Control
    /// Manager when <c>Agent:WindowsService</c> is true. Outside a service manager nothing changes.
    /// </summary>
    private static void AddServiceManagers(this IHostApplicationBuilder builder)
    {
        if (SystemdNotifier.SocketFromEnvironment() is { } socket)
        {
            builder.Services.AddSingleton<IHostedService>(sp => new SystemdNotifier(socket, sp.GetRequiredService<ILogger<SystemdNotifier>>()));
        }

        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 })
        {
            // systemd's journal reads <N> priority prefixes; one line per message, no colours.
            builder.Logging.AddSystemdConsole();
        }

        if (builder.Configuration.GetValue<bool>(AgentOptions.Section + ":" + nameof(AgentOptions.WindowsService)) && OperatingSystem.IsWindows())
        {
            builder.Services.AddSingleton<IServiceDispatcher, Win32ServiceDispatcher>();
            builder.Services.AddSingleton<IHostLifetime, WindowsServiceLifetime>();
        }
    }
}
