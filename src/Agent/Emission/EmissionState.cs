using System.Text.Json;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Domain.Emission;

namespace BackscatterConsole.Agent.Emission;

/// <summary>A table lookup's answer for one domain, kept so the same domain is not queried every 15 minutes.</summary>
public sealed class DomainAnswer
{
    /// <summary>True when a domain table holds the domain.</summary>
    public bool Local { get; set; }

    /// <summary>When it was asked (UTC).</summary>
    public DateTime AskedAt { get; set; }
}

/// <summary>
/// What the emission count keeps between scans, in <c>emission.json</c> of the state directory (owner-only, written
/// atomically): the log cursors and the hourly ledger together, so a crash can never leave one ahead of the other and
/// count a line twice or not at all.
/// </summary>
public sealed class EmissionState
{
    private const string FileName = "emission.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The log the cursors belong to; another log (a changed setting) starts afresh.</summary>
    public string? LogPath { get; set; }

    /// <summary>Where the reader stopped in each file.</summary>
    public List<LogCursor> Cursors { get; set; } = [];

    /// <summary>The hourly counts and the messages being followed.</summary>
    public EmissionLedgerState? Ledger { get; set; }

    /// <summary>Answers of domain tables that can only be queried, by domain.</summary>
    public Dictionary<string, DomainAnswer> TableAnswers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Reads the state, or a fresh one when there is none or it cannot be read (then counting starts over).</summary>
    public static EmissionState Load(StateDirectory directory, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(directory);
        problem = null;
        try
        {
            var text = directory.ReadAllText(FileName);
            return text is null ? new EmissionState() : JsonSerializer.Deserialize<EmissionState>(text, Json) ?? new EmissionState();
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"The emission state in {directory.Path} could not be read ({e.Message}); counting started over from the logs.";
            return new EmissionState();
        }
    }

    /// <summary>Stores the state atomically.</summary>
    public void Save(StateDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        directory.WriteAllText(FileName, JsonSerializer.Serialize(this, Json));
    }
}
