using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Emission;

/// <summary>Counts a server's null-sender mail and reports it (<see cref="EmissionReport"/>).</summary>
public interface IEmissionSource
{
    /// <summary>Reads the queue and the new part of the mail log and returns the report; failures are in the report, not thrown.</summary>
    Task<EmissionReport> CollectAsync(Guid agentId, CancellationToken cancellationToken);
}

/// <summary>
/// Postfix, and Carbonio/Zimbra whose MTA is Postfix. It runs, each time:
/// <list type="number">
/// <item><c>postconf -c DIR -hx mydestination virtual_mailbox_domains virtual_alias_domains relay_domains</c> for the
/// server's own domains (postconf expands <c>$myhostname</c> and the like itself), reading <c>/file</c> entries, listing
/// indexed tables with <c>postmap -s</c> and asking the others (mysql:, ldap:, …) with <c>postmap -q DOMAIN TABLE</c> for
/// the recipient domains seen; Carbonio/Zimbra add <c>prov gad</c>;</item>
/// <item><c>postconf -c DIR -h empty_address_recipient</c> and <c>maillog_file</c> (the default log when set);</item>
/// <item><c>postqueue -c DIR -j</c>, streamed line by line;</item>
/// <item>the new bytes of the mail log and its rotated files (<see cref="IncrementalLogReader"/>).</item>
/// </list>
/// Only domains, counts and queue ids are kept; addresses are cut to their domain as soon as they are read.
/// </summary>
public sealed class PostfixEmissionSource : IEmissionSource
{
    private static readonly TimeSpan AnswerLifetime = TimeSpan.FromDays(1);
    private const int MaxLocalDomainsReported = 1000;

    private readonly AgentConnectorKind _kind;
    private readonly AgentOptions _options;
    private readonly ICommandRunner _runner;
    private readonly StateDirectory _state;
    private readonly TimeProvider _clock;
    private readonly string _postconf;
    private readonly string _postqueue;
    private readonly string _postmap;
    private readonly string _configDirectory;
    private readonly IReadOnlyList<string> _prov;

    /// <summary>Creates the source for a Postfix, Carbonio or Zimbra connector with that platform's default paths.</summary>
    public PostfixEmissionSource(AgentConnectorKind kind, AgentOptions options, ICommandRunner runner, StateDirectory state, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _kind = kind;
        _options = options;
        _runner = runner;
        _state = state;
        _clock = clock;
        var emission = options.Emission;
        var (bin, conf) = kind switch
        {
            AgentConnectorKind.Carbonio => ("/opt/zextras/common/sbin/", "/opt/zextras/common/conf"),
            AgentConnectorKind.Zimbra => ("/opt/zimbra/common/sbin/", "/opt/zimbra/common/conf"),
            _ => (string.Empty, options.Postfix.ConfigDirectory),
        };
        _postconf = emission.PostconfPath ?? (kind == AgentConnectorKind.Postfix ? options.Postfix.PostconfPath : bin + "postconf");
        _postmap = emission.PostmapPath ?? (kind == AgentConnectorKind.Postfix ? options.Postfix.PostmapPath : bin + "postmap");
        _postqueue = emission.PostqueuePath ?? (kind == AgentConnectorKind.Postfix ? SiblingOf(options.Postfix.PostconfPath, "postqueue") : bin + "postqueue");
        _configDirectory = emission.ConfigDirectory ?? conf;
        if (kind is AgentConnectorKind.Carbonio or AgentConnectorKind.Zimbra)
        {
            var executable = string.IsNullOrWhiteSpace(options.Carbonio.Executable) ? (kind == AgentConnectorKind.Carbonio ? "carbonio" : "zmprov") : options.Carbonio.Executable;
            var provArguments = options.Carbonio.ProvArguments is { Count: > 0 } configured
                ? configured.ToList()
                : Path.GetFileName(executable).StartsWith("carbonio", StringComparison.OrdinalIgnoreCase) ? ["prov"] : [];
            _prov = [executable, .. provArguments];
        }
        else
        {
            _prov = [];
        }
    }

    /// <inheritdoc />
    public async Task<EmissionReport> CollectAsync(Guid agentId, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var notes = new List<string>();
        var domains = await LocalDomainsAsync(notes, cancellationToken).ConfigureAwait(false);
        var parameters = await RunAsync([_postconf, "-c", _configDirectory, "-h", "empty_address_recipient"], cancellationToken).ConfigureAwait(false);
        var emptySender = parameters.Succeeded && parameters.StandardOutput.Trim() is { Length: > 0 } name ? name : "MAILER-DAEMON";
        var logPath = _options.Emission.LogPath ?? await DefaultLogAsync(cancellationToken).ConfigureAwait(false);
        var state = EmissionState.Load(_state, out var stateProblem);
        if (stateProblem is not null)
        {
            notes.Add(stateProblem);
        }

        if (state.LogPath != logPath)
        {
            state = new EmissionState { LogPath = logPath, TableAnswers = state.TableAnswers };
        }

        var local = domains.Set ?? LocalDomainSet.Empty;
        var ledger = new EmissionLedger(state.Ledger, local, now.UtcDateTime);
        var (scan, logError) = ScanLog(logPath, state, ledger, now.UtcDateTime, notes);
        var (messages, queueError) = await ReadQueueAsync(emptySender, notes, cancellationToken).ConfigureAwait(false);
        if (domains.Error is { } domainError)
        {
            // Without the server's own domains no recipient can be called foreign: the counts would be guesses.
            logError ??= domainError;
            queueError ??= domainError;
        }

        var candidates = ledger.CandidateDomains(now.UtcDateTime - EmissionLedger.History)
            .Concat((messages ?? []).Where(m => m.NullSender).SelectMany(m => m.RecipientDomains))
            .Where(d => !local.IsLocal(d))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var resolved = await QueryTablesAsync(domains.QueryTables, candidates, state, now.UtcDateTime, notes, cancellationToken).ConfigureAwait(false);
        var isLocal = resolved.Count == 0 ? local : local.With(resolved);

        state.Cursors = scan.Reader.Cursors;
        state.Ledger = ledger.Snapshot();
        state.Save(_state);

        var hours = logError is null ? ledger.Report(now.UtcDateTime, isLocal.IsLocal) : [];
        var queue = queueError is null && messages is not null ? Domain.Emission.PostqueueJson.Summarize(messages, isLocal.IsLocal, now) : null;
        var names = local.Names;
        if (names.Count > MaxLocalDomainsReported)
        {
            notes.Add($"The server has {names.Count} own domains; the first {MaxLocalDomainsReported} are listed.");
        }

        var log = logError is null ? new LogScanState(logPath, scan.Result.BytesRead, scan.Result.FilesRead, Offset(ledger.State.OldestLine), Offset(ledger.State.NewestLine)) : null;
        return new EmissionReport(agentId, now, names.Take(MaxLocalDomainsReported).ToList(), queue, queueError, hours, log, logError, notes);
    }

    private (ScanOutcome Scan, string? Error) ScanLog(string logPath, EmissionState state, EmissionLedger ledger, DateTime now, List<string> notes)
    {
        var reader = new IncrementalLogReader { Cursors = state.Cursors };
        var empty = new ScanOutcome(reader, new LogScanResult(0, 0));
        if (!File.Exists(logPath))
        {
            return (empty, $"The mail log {logPath} does not exist: set Agent:Emission:LogPath to the file Postfix logs to (maillog_file, or the syslog file with the mail facility).");
        }

        var files = LogFiles.Rotated(logPath, out var skipped);
        if (skipped.Count > 0)
        {
            notes.Add($"Rotated logs compressed with something other than gzip were not read: {string.Join(", ", skipped.Select(Path.GetFileName))}.");
        }

        var zone = Zone();
        var clocks = new Dictionary<string, LogClock>(StringComparer.Ordinal);
        try
        {
            var result = reader.Scan(files, now, EmissionLedger.History, (line, file) =>
            {
                if (!clocks.TryGetValue(file.Path, out var clock))
                {
                    clock = new LogClock(zone, new DateTimeOffset(DateTime.SpecifyKind(file.LastWriteUtc, DateTimeKind.Utc)));
                    clocks[file.Path] = clock;
                }

                ledger.Observe(PostfixLogParser.Parse(line, clock));
            });
            return (new ScanOutcome(reader, result), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return (empty, $"The mail log {logPath} could not be read: {e.Message}");
        }
    }

    private async Task<(List<QueuedMessage>? Messages, string? Error)> ReadQueueAsync(string emptySender, List<string> notes, CancellationToken cancellationToken)
    {
        var messages = new List<QueuedMessage>();
        var unparsed = 0;
        var command = await _runner.RunLinesAsync([_postqueue, "-c", _configDirectory, "-j"], _options.CommandTimeout, line =>
        {
            if (line.Length == 0)
            {
                return;
            }

            if (Domain.Emission.PostqueueJson.ParseLine(line, emptySender) is { } message)
            {
                messages.Add(message);
            }
            else
            {
                unparsed++;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (!command.Succeeded)
        {
            var why = command.StandardError.Trim() is { Length: > 0 } error ? error : command.Outcome.ToString();
            return (null, $"{command.Display} failed: {why}");
        }

        if (command.StandardOutputTruncated)
        {
            return (null, $"{command.Display} stopped printing before the end of the queue; the queue was not counted.");
        }

        if (unparsed > 0)
        {
            notes.Add($"{unparsed} line(s) of postqueue -j were not queue entries; the queue counts leave them out.");
        }

        return (messages, null);
    }

    private async Task<LocalDomains> LocalDomainsAsync(List<string> notes, CancellationToken cancellationToken)
    {
        var lists = await RunAsync([_postconf, "-c", _configDirectory, "-hx", .. PostfixDomainLists.Parameters], cancellationToken).ConfigureAwait(false);
        // One line per parameter, empty for an empty list: only the final line break goes.
        var text = lists.StandardOutput.ReplaceLineEndings("\n");
        var values = (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
        if (!lists.Succeeded || values.Length != PostfixDomainLists.Parameters.Count)
        {
            return new LocalDomains(null, [], $"The server's own domains could not be read: {lists.Display} " + (lists.Succeeded ? "printed an unexpected number of lines." : "failed: " + lists.StandardError.Trim()));
        }

        var entries = PostfixDomainLists.Parse(values);
        var names = new List<string>(entries.Names);
        var negated = entries.Negated.Select(n => n.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        foreach (var file in entries.Files)
        {
            try
            {
                var inner = PostfixDomainLists.ParseFile(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
                names.AddRange(inner.Names);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                notes.Add($"The domain list file {file} could not be read ({e.Message}); its domains count as foreign.");
            }
        }

        var query = new List<string>();
        var provDomains = false;
        if (_prov.Count > 0)
        {
            var gad = await RunAsync([.. _prov, "gad"], cancellationToken).ConfigureAwait(false);
            if (gad.Succeeded)
            {
                names.AddRange(PostfixDomainLists.DomainKeys(gad.StandardOutput));
                provDomains = true;
            }
            else
            {
                notes.Add($"{gad.Display} failed; only the domains Postfix lists itself are known.");
            }
        }

        foreach (var table in entries.Tables)
        {
            if (PostfixDomainLists.InlineKeys(table) is { } keys)
            {
                names.AddRange(keys);
            }
            else if (provDomains && PostfixDomainLists.TableType(table) == "ldap")
            {
                // Carbonio and Zimbra keep their domains in LDAP; prov gad listed them all.
            }
            else if (PostfixDomainLists.IsListable(table))
            {
                var dump = await RunAsync([_postmap, "-c", _configDirectory, "-s", table], cancellationToken).ConfigureAwait(false);
                if (dump.Succeeded && !dump.StandardOutputTruncated)
                {
                    names.AddRange(PostfixDomainLists.DomainKeys(dump.StandardOutput));
                }
                else
                {
                    query.Add(table);
                }
            }
            else if (PostfixDomainLists.TableType(table) is "static" or "cidr" or "tcp" or "unionmap" or "pipemap")
            {
                notes.Add($"The domain table {table} cannot be listed or asked per domain; domains it holds count as foreign.");
            }
            else
            {
                query.Add(table.StartsWith("proxy:", StringComparison.Ordinal) ? table["proxy:".Length..] : table);
            }
        }

        names.AddRange(_options.Emission.LocalDomains);
        return new LocalDomains(new LocalDomainSet(names.Where(n => !negated.Contains(n))), query, null);
    }

    /// <summary>Asks the tables that cannot be listed about the candidate foreign domains; returns those a table holds.</summary>
    private async Task<List<string>> QueryTablesAsync(IReadOnlyList<string> tables, List<string> candidates, EmissionState state, DateTime now, List<string> notes, CancellationToken cancellationToken)
    {
        var local = new List<string>();
        if (tables.Count == 0)
        {
            state.TableAnswers.Clear();
            return local;
        }

        foreach (var stale in state.TableAnswers.Where(a => now - a.Value.AskedAt > AnswerLifetime).Select(a => a.Key).ToList())
        {
            state.TableAnswers.Remove(stale);
        }

        var asked = 0;
        var unasked = 0;
        foreach (var domain in candidates)
        {
            if (state.TableAnswers.TryGetValue(domain, out var answer))
            {
                if (answer.Local)
                {
                    local.Add(domain);
                }

                continue;
            }

            if (asked >= _options.Emission.MaxTableQueries)
            {
                unasked++;
                continue;
            }

            asked++;
            var found = false;
            foreach (var table in tables)
            {
                var lookup = await RunAsync([_postmap, "-c", _configDirectory, "-q", domain, table], cancellationToken).ConfigureAwait(false);
                if (lookup.Succeeded)
                {
                    found = true;
                    break;
                }

                if (lookup.ExitCode != 1)
                {
                    notes.Add($"{lookup.Display} failed ({lookup.StandardError.Trim()}); {domain} counts as foreign.");
                }
            }

            state.TableAnswers[domain] = new DomainAnswer { Local = found, AskedAt = now };
            if (found)
            {
                local.Add(domain);
            }
        }

        if (unasked > 0)
        {
            notes.Add($"{unasked} recipient domain(s) were not looked up in {string.Join(", ", tables)} (Agent:Emission:MaxTableQueries); they count as foreign until a later report asks.");
        }

        return local;
    }

    private async Task<string> DefaultLogAsync(CancellationToken cancellationToken)
    {
        var fallback = _kind switch
        {
            AgentConnectorKind.Carbonio => "/var/log/carbonio.log",
            AgentConnectorKind.Zimbra => "/var/log/zimbra.log",
            _ => "/var/log/mail.log",
        };

        // maillog_file exists from Postfix 3.4; older postconf says it does not know it, and syslog's file is the log.
        var maillog = await RunAsync([_postconf, "-c", _configDirectory, "-h", "maillog_file"], cancellationToken).ConfigureAwait(false);
        var value = maillog.Succeeded ? maillog.StandardOutput.Trim() : string.Empty;
        return value.Length > 0 && Path.IsPathFullyQualified(value) && !value.StartsWith("/dev/", StringComparison.Ordinal) ? value : fallback;
    }

    private TimeZoneInfo Zone() =>
        _options.Emission.TimeZone is { Length: > 0 } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Local;

    private Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        _runner.RunAsync(arguments, _options.CommandTimeout, cancellationToken);

    private static string SiblingOf(string program, string sibling)
    {
        var directory = Path.GetDirectoryName(program);
        return string.IsNullOrEmpty(directory) ? sibling : Path.Combine(directory, sibling);
    }

    private static DateTimeOffset? Offset(DateTime? utc) => utc is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    private sealed record LocalDomains(LocalDomainSet? Set, IReadOnlyList<string> QueryTables, string? Error);

    private sealed record ScanOutcome(IncrementalLogReader Reader, LogScanResult Result);
}
