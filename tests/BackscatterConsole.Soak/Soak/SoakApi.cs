using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace BackscatterConsole.Soak;

/// <summary>The console's answer to one request, or none (the console or its database died meanwhile).</summary>
/// <param name="Status">The status code; null when no answer came (connection refused or reset).</param>
/// <param name="Body">The body as text.</param>
public sealed record ApiAnswer(int? Status, string Body)
{
    /// <summary>A 2xx: the console said the write is stored, so it must still be there after any crash.</summary>
    public bool Acknowledged => Status is >= 200 and < 300;

    /// <summary>No answer or a 5xx: the write may or may not have happened; the soak reads the state to find out.</summary>
    public bool Unknown => Status is null or >= 500;

    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, SoakApi.Json) ?? throw new InvalidOperationException($"Empty body for {typeof(T).Name}.");

    public override string ToString() => Status is null ? "no answer" : $"{Status}: {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

/// <summary>HTTP calls to the console as one of its users, tolerant of the console being down.</summary>
public sealed class SoakApi(Uri baseAddress, string token) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = Create(baseAddress, token);

    /// <summary>Sends one request once; a dead console is an answer without a status, never an exception.</summary>
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, object? body = null, long? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        if (ifMatch is { } revision)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{revision.ToString(CultureInfo.InvariantCulture)}\""));
        }

        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            return new ApiAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ApiAnswer(null, e.Message);
        }
    }

    public Task<ApiAnswer> PostAsync(string path, object? body = null, long? ifMatch = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, path, body ?? new { }, ifMatch, cancellationToken);

    /// <summary>Reads <paramref name="path"/> until the console answers 200 or <paramref name="deadline"/> passes.</summary>
    public async Task<T> ReadAsync<T>(string path, DateTime deadline, CancellationToken cancellationToken)
    {
        var answer = await ReadAnswerAsync(path, deadline, cancellationToken);
        return answer.Read<T>();
    }

    /// <summary>Reads until the console answers anything but a 5xx or no answer; a 4xx is returned as it is.</summary>
    public async Task<ApiAnswer> ReadAnswerAsync(string path, DateTime deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var answer = await SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);
            if (!answer.Unknown)
            {
                if (answer.Status == 200 || answer.Status >= 400)
                {
                    return answer;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new SoakTimeoutException($"GET {path} got no answer by the cycle's deadline (last: {answer}).");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();

    private static HttpClient Create(Uri baseAddress, string token)
    {
        // A fresh connection per request would hide nothing here, but a pooled one that the kill broke is retried by
        // HttpClient only for idempotent requests; short lifetimes keep a dead console's sockets out of the pool.
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) };
        var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}

/// <summary>Something did not reach a definite state within the cycle's bound.</summary>
public sealed class SoakTimeoutException(string message) : Exception(message);
