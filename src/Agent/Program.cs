using BackscatterConsole.Agent;

var builder = Host.CreateApplicationBuilder(args);
builder.AddAgent();
await builder.Build().RunAsync().ConfigureAwait(false);
