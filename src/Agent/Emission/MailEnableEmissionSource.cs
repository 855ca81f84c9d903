using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Emission;

/// <summary>
/// MailEnable: reads its SMTP activity logs (<c>SMTP-Activity-YYMMDD.log</c> in <c>Logging\SMTP</c> of the installation,
/// <c>Agent:Emission:LogPath</c> to point elsewhere; the format is described on <see cref="MailEnableActivityLog"/>)
/// incrementally, and counts the outbound sessions with <c>MAIL FROM:&lt;&gt;</c>. MailEnable's own domains are not
/// listed by any command the agent runs, so <c>Agent:Emission:LocalDomains</c> names them; without them every outbound
/// recipient counts as foreign, which for mail MailEnable sends out by SMTP is what it is. The queue is not read.
/// Reading files works anywhere, so the tests run it on recorded logs; the connector itself is Windows-only.
/// </summary>
public sealed class MailEnableEmissionSource(AgentOptions options, StateDirectory state, TimeProvider clock) : IEmissionSource
{
    /// <summary>Where MailEnable keeps its SMTP logs on a default installation.</summary>
    public const string DefaultLogDirectory = @"C:\Program Files (x86)\Mail Enable\Logging\SMTP";

    /// <summary>The activity logs, one per day.</summary>
    public const string Pattern = "SMTP-Activity-*.log";

    /// <inheritdoc />
    public Task<EmissionReport> CollectAsync(Guid agentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var now = clock.GetUtcNow();
        var directory = options.Emission.LogPath ?? DefaultLogDirectory;
        var notes = new List<string> { "MailEnable's queue is not read: the counts come from its SMTP activity log alone." };
        var stored = EmissionState.Load(state, out var problem);
        if (problem is not null)
        {
            notes.Add(problem);
        }

        if (stored.LogPath != directory)
        {
            stored = new EmissionState { LogPath = directory };
        }

        var local = new LocalDomainSet(options.Emission.LocalDomains);
        if (local.Count == 0)
        {
            notes.Add("No local domains are configured (Agent:Emission:LocalDomains): every recipient of an outbound null-sender message counts as foreign.");
        }

        var ledger = new EmissionLedger(stored.Ledger, local, now.UtcDateTime);
        var reader = new IncrementalLogReader { Cursors = stored.Cursors };
        string? error = null;
        LogScanResult result = new(0, 0);
        if (!Directory.Exists(directory))
        {
            error = $"The MailEnable log directory {directory} does not exist: set Agent:Emission:LogPath to its Logging\\SMTP directory (and switch on SMTP activity logging).";
        }
        else
        {
            var zone = options.Emission.TimeZone is { Length: > 0 } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var configured) ? configured : TimeZoneInfo.Local;
            var logClock = new LogClock(zone, now);
            try
            {
                result = reader.Scan(LogFiles.Matching(directory, Pattern), now.UtcDateTime, EmissionLedger.History, (line, _) =>
                    MailEnableActivityLog.Count(MailEnableActivityLog.Parse(line, logClock), ledger));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"The MailEnable activity logs in {directory} could not be read: {e.Message}";
            }
        }

        stored.Cursors = reader.Cursors;
        stored.Ledger = ledger.Snapshot();
        stored.Save(state);
        var hours = error is null ? ledger.Report(now.UtcDateTime, local.IsLocal) : [];
        var log = error is null
            ? new LogScanState(Path.Combine(directory, Pattern), result.BytesRead, result.FilesRead, Offset(ledger.State.OldestLine), Offset(ledger.State.NewestLine))
            : null;
        return Task.FromResult(new EmissionReport(agentId, now, local.Names, null, null, hours, log, error, notes));
    }

    private static DateTimeOffset? Offset(DateTime? utc) => utc is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
