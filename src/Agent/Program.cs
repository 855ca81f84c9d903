using BackscatterConsole.Agent;
using BackscatterConsole.Agent.Configuration;
using Microsoft.Extensions.Options;

// appsettings.json is read from beside the program, not from the working directory: a service manager starts the agent
// wherever it likes (a Windows service starts in System32).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddAgent();
using var host = builder.Build();

// Validate before the host starts so a configuration mistake prints the offending keys, not a stack trace.
try
{
    _ = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
}
catch (OptionsValidationException exception)
{
    await Console.Error.WriteLineAsync("backscatter-agent: the configuration is not valid:").ConfigureAwait(false);
    foreach (var failure in exception.Failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure).ConfigureAwait(false);
    }

    return 2;
}

await host.RunAsync().ConfigureAwait(false);
return Environment.ExitCode;
