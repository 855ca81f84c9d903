using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Shared.Agents;
using Microsoft.Extensions.Logging.Abstractions;

namespace BackscatterConsole.Agent.Enrollment;

/// <summary>Enrollment failed in a way that retrying cannot fix (the token was refused, or there is none).</summary>
public sealed class EnrollmentException(string message) : Exception(message);

/// <summary>
/// Gives the agent its identity: the stored credential when there is one for this console, otherwise a one-time
/// enrollment at <c>POST {ServerUrl}/api/v1/agents/enroll</c>. An unreachable console is retried with backoff (the agent
/// may start before the console); a refused token is final, because the same token will be refused again.
/// </summary>
public sealed class EnrollmentClient(HttpClient http, CredentialStore store, AgentOptions options, TimeProvider clock, ILogger<EnrollmentClient>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>The agent's version as reported to the console.</summary>
    public static string AgentVersion { get; } =
        typeof(EnrollmentClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Returns the stored identity or enrolls.</summary>
    public async Task<AgentIdentity> EnsureEnrolledAsync(CancellationToken cancellationToken)
    {
        var stored = store.Load();
        var serverUrl = options.ServerUrl.TrimEnd('/');
        if (stored is not null && string.Equals(stored.ServerUrl, serverUrl, StringComparison.OrdinalIgnoreCase))
        {
            _logger.LogInformation("Using the stored credential of {Identity}.", stored);
            return stored;
        }

        if (string.IsNullOrWhiteSpace(options.EnrollmentToken))
        {
            throw new EnrollmentException(stored is null
                ? $"The agent is not enrolled: set Agent:EnrollmentToken to a token created for this server in the console (state directory {options.StateDirectory})."
                : $"The stored credential belongs to {stored.ServerUrl}, not {serverUrl}: set Agent:EnrollmentToken to enroll with the new console.");
        }

        var backoff = new Transport.ReconnectBackoff(TimeSpan.FromSeconds(1), options.MaxReconnectDelay);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var identity = await EnrollAsync(serverUrl, options.EnrollmentToken, cancellationToken).ConfigureAwait(false);
                store.Save(identity);
                _logger.LogInformation("Enrolled as {Identity}; the enrollment token is spent and can be removed from the configuration.", identity);
                return identity;
            }
            catch (HttpRequestException exception)
            {
                var delay = backoff.Delay(attempt);
                _logger.LogWarning("Enrollment at {Server} failed ({Error}); retrying in {Delay:0.0} s.", serverUrl, exception.Message, delay.TotalSeconds);
                await Task.Delay(delay, clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<AgentIdentity> EnrollAsync(string serverUrl, string token, CancellationToken cancellationToken)
    {
        var request = new EnrollmentRequest(token, Dns.GetHostName(), options.ConnectorKind, AgentVersion, RuntimeInformation.OSDescription);
        using var response = await http.PostAsJsonAsync(new Uri(serverUrl + AgentHub.EnrollPath), request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.Gone)
        {
            var detail = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false);
            throw new EnrollmentException($"The console refused the enrollment token ({(int)response.StatusCode} {response.ReasonPhrase}{detail}). Create a new token for this server in the console and set Agent:EnrollmentToken.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        var body = await response.Content.ReadFromJsonAsync<EnrollmentResponse>(cancellationToken).ConfigureAwait(false);
        if (body is null || string.IsNullOrWhiteSpace(body.Credential) || body.AgentId == Guid.Empty || body.ServerId == Guid.Empty)
        {
            throw new EnrollmentException("The console's enrollment answer has no agent id, server id or credential.");
        }

        return new AgentIdentity(body.AgentId, body.ServerId, body.Credential, serverUrl, string.IsNullOrWhiteSpace(body.HubPath) ? AgentHub.Path : body.HubPath, clock.GetUtcNow());
    }

    private static async Task<string> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            return document.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                ? ": " + detail.GetString()
                : document.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? ": " + title.GetString() : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }
}
