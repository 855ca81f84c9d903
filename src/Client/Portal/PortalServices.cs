using System.Security.Claims;
using BackscatterConsole.Shared.Common;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Portal;

/// <summary>
/// How portal components call the application services (the same ones the REST API calls). A circuit lives for as long
/// as the browser tab, and its DI scope with it; services hold a <c>DbContext</c>, which must be short-lived and never
/// used by two operations at once (a live update can arrive while a click is being handled). So every operation gets a
/// scope of its own, with the signed-in user stated as its actor for the audit trail.
/// </summary>
public sealed class PortalServices(IServiceScopeFactory scopes, AuthenticationStateProvider authentication, PortalCircuit circuit)
{
    /// <summary>The signed-in user, as the revalidating authentication state currently has it.</summary>
    public async Task<ClaimsPrincipal> UserAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>Runs <paramref name="operation"/> on <typeparamref name="TService"/> in a scope of its own.</summary>
    public Task<TResult> RunAsync<TService, TResult>(Func<TService, ClaimsPrincipal, Task<TResult>> operation)
        where TService : notnull =>
        RunAsync((services, user) => operation(services.GetRequiredService<TService>(), user));

    /// <summary>Runs <paramref name="operation"/> on <typeparamref name="TService"/> in a scope of its own.</summary>
    public Task RunAsync<TService>(Func<TService, ClaimsPrincipal, Task> operation)
        where TService : notnull =>
        RunAsync(async (services, user) =>
        {
            await operation(services.GetRequiredService<TService>(), user);
            return true;
        });

    /// <summary>Runs an operation that needs several services in one scope (one unit of work).</summary>
    public async Task<TResult> RunAsync<TResult>(Func<IServiceProvider, ClaimsPrincipal, Task<TResult>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var user = await UserAsync();
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IOperationActor>().Use(user, circuit.ClientAddress);
        return await operation(scope.ServiceProvider, user);
    }
}
