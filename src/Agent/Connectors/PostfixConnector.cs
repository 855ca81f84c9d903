using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>
/// Postfix through <c>postconf -c DIR</c> and <c>postfix -c DIR</c>. Values are read with <c>postconf -h NAME…</c> (effective
/// values, defaults included) plus <c>postconf -n NAME…</c> for which of them are explicit; snapshots are <c>postconf -n</c>
/// and <c>postconf -P</c> parsed by <see cref="PostconfParser"/>; a change is <c>postconf -e name=value</c> with the pair as
/// one argument, or <c>postconf -P service/type/name=value</c> for a master.cf override (names in that form). Activation reloads a running instance; when the instance is
/// not running (<c>postfix status</c> exits non-zero) there is nothing to reload, so it runs <c>postfix check</c> instead,
/// which validates the configuration and its directories: the new values take effect when the instance starts.
/// </summary>
public sealed class PostfixConnector(PostfixConnectorOptions options, ICommandRunner runner, TimeSpan timeout) : IMailConnector
{
    /// <summary>Parameters the checklist remediates (DOMAIN.md; PostfixRules).</summary>
    public static AllowList Allowed { get; } = new(
        new[]
        {
            "smtpd_reject_unlisted_recipient", "local_recipient_maps", "virtual_mailbox_maps", "relay_recipient_maps",
            "luser_relay", "unverified_recipient_defer_code", "smtpd_sender_login_maps", "smtpd_sender_restrictions",
            "smtpd_recipient_restrictions", "smtpd_relay_restrictions", "smtpd_reject_unlisted_sender", "soft_bounce",
        }.Select(n => KeyValuePair.Create(n, false)),
        StringComparer.Ordinal);

    /// <inheritdoc />
    public AgentConnectorKind Kind => AgentConnectorKind.Postfix;

    /// <inheritdoc />
    public string ActivationStepName => "reload";

    /// <inheritdoc />
    public string? Refusal(SettingChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return IsServiceOverride(change.Name, out var parameter)
            ? Allowed.Refusal(change with { Name = parameter }, "Postfix")?.Replace($"'{parameter}'", $"'{change.Name}'", StringComparison.Ordinal)
            : Allowed.Refusal(change, "Postfix");
    }

    /// <summary>
    /// True for a master.cf override name <c>service/type/parameter</c> (as <c>postconf -P</c> lists it) whose parameter is on
    /// the allow-list: an override on the smtpd service beats main.cf, so a fix must sometimes be made there.
    /// </summary>
    public static bool IsServiceOverride(string name, out string parameter)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('/');
        parameter = parts[^1];
        return parts.Length == 3
            && parts[0].Length > 0
            && parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '_' or '-' or '[' or ']')
            && parts[1] is "inet" or "unix" or "unix-dgram" or "fifo" or "pass"
            && Allowed.Contains(parameter);
    }

    /// <inheritdoc />
    public async Task<ReadResult> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var unknown = names.Where(n => !Allowed.Contains(n) && !IsServiceOverride(n, out _)).ToArray();
        if (unknown.Length > 0)
        {
            return new ReadResult(StepResult.Refused($"Refused: not on the Postfix allow-list: {string.Join(", ", unknown)}."), null);
        }

        var distinct = names.Distinct(StringComparer.Ordinal).ToArray();
        var mainNames = distinct.Where(n => !n.Contains('/', StringComparison.Ordinal)).ToArray();
        var overrideNames = distinct.Where(n => n.Contains('/', StringComparison.Ordinal)).ToArray();
        var commands = new List<CommandResult>();
        var notes = new List<string>();
        var result = new Dictionary<string, SettingValue>(StringComparer.Ordinal);
        if (mainNames.Length > 0)
        {
            var effective = await RunAsync(["-h", .. mainNames], cancellationToken).ConfigureAwait(false);
            commands.Add(effective);
            if (!effective.Succeeded)
            {
                return new ReadResult(StepResult.From(commands), null);
            }

            var explicitly = await RunAsync(["-n", .. mainNames], cancellationToken).ConfigureAwait(false);
            commands.Add(explicitly);
            var values = ParseHValues(mainNames, effective.StandardOutput);
            if (!explicitly.Succeeded || values is null)
            {
                var step = StepResult.From(commands);
                return new ReadResult(values is null ? step with { Succeeded = false, Output = step.Output + "\npostconf printed a different number of values than names were asked for." } : step, null);
            }

            var explicitNames = PostconfParser.ParseMain(explicitly.StandardOutput).Value;
            foreach (var name in mainNames)
            {
                result[name] = new SettingValue(name, [values[name]], explicitNames.ContainsKey(name));
            }

            // A master.cf -o override beats main.cf for its service: say so, because a main.cf change does not reach it.
            var overrides = await RunAsync(["-P"], cancellationToken).ConfigureAwait(false);
            commands.Add(overrides);
            if (overrides.Succeeded)
            {
                notes.AddRange(PostconfParser.ParseServiceOverrides(overrides.StandardOutput).Value
                    .Where(o => mainNames.Contains(o.Name, StringComparer.Ordinal))
                    .Select(o => $"note: master.cf overrides {o.Name} = {o.Value} for {o.Service}/{o.Type}; a main.cf change does not reach that service (change {o.Service}/{o.Type}/{o.Name} instead)."));
            }
        }

        if (overrideNames.Length > 0)
        {
            var listed = await RunAsync(["-P", .. overrideNames], cancellationToken).ConfigureAwait(false);
            commands.Add(listed);
            if (!listed.Succeeded)
            {
                return new ReadResult(StepResult.From(commands), null);
            }

            // An override that is not set is read as no value: the service then uses main.cf, and rollback removes it again.
            var present = PostconfParser.ParseServiceOverrides(listed.StandardOutput).Value
                .ToDictionary(o => $"{o.Service}/{o.Type}/{o.Name}", o => o.Value, StringComparer.Ordinal);
            foreach (var name in overrideNames)
            {
                result[name] = present.TryGetValue(name, out var value)
                    ? new SettingValue(name, [value], IsExplicit: true)
                    : new SettingValue(name, [], IsExplicit: false);
            }
        }

        return new ReadResult(StepResult.From(commands, notes.Count > 0 ? string.Join("\n", notes) : null), result);
    }

    /// <inheritdoc />
    public async Task<CollectResult> CollectAsync(CancellationToken cancellationToken)
    {
        var main = await RunAsync(["-n"], cancellationToken).ConfigureAwait(false);
        var master = await RunAsync(["-P"], cancellationToken).ConfigureAwait(false);
        var step = StepResult.From([main, master]);
        if (!step.Succeeded)
        {
            return new CollectResult(step, null);
        }

        var snapshot = PostconfParser.ParseSnapshot(main.StandardOutput, master.StandardOutput, DateTimeOffset.UtcNow, SettingsSources.Agent).Value;

        // Defaults depend on the Postfix version and compatibility_level, so ask this Postfix for the ones the rules read
        // instead of relying on the documented table. A failure here only costs that precision.
        var defaultNames = PostfixSettings.RuleParameters.Where(n => !snapshot.Values.ContainsKey(n)).ToArray();
        var commands = new List<CommandResult> { main, master };
        var notes = new List<string>();
        Dictionary<string, string>? reported = [];
        if (defaultNames.Length > 0)
        {
            var effective = await RunAsync(["-h", .. defaultNames], cancellationToken).ConfigureAwait(false);
            commands.Add(effective);
            reported = effective.Succeeded ? ParseHValues(defaultNames, effective.StandardOutput) : null;
        }

        snapshot = snapshot with { ReportedDefaults = reported };
        if (reported is null)
        {
            notes.Add("Defaults were not read (postconf -h failed or printed an unexpected number of lines); the rules use the documented defaults.");
        }

        if (!string.IsNullOrWhiteSpace(options.DisabledMailboxesTable))
        {
            // The table completes the snapshot but does not decide it: when it cannot be read the settings still count and
            // mta.disabled-mailbox says unknown.
            var table = options.DisabledMailboxesTable;
            var dump = await runner.RunAsync([options.PostmapPath, "-c", options.ConfigDirectory, "-s", table], timeout, cancellationToken).ConfigureAwait(false);
            commands.Add(dump);
            if (dump.Succeeded)
            {
                var mailboxes = MailboxFactsParser.ParsePostfixDisabledTable(dump.StandardOutput);
                var truncated = mailboxes.Count > options.MailboxLimit || dump.StandardOutputTruncated;
                snapshot = snapshot with { Mailboxes = new MailboxFacts(DateTimeOffset.UtcNow, table, [.. mailboxes.Take(options.MailboxLimit)], truncated, null) };
            }
            else
            {
                notes.Add($"Mailbox facts were not collected: postmap -s {table} failed.");
            }
        }

        return new CollectResult(StepResult.From(commands, notes.Count > 0 ? string.Join("\n", notes) : null) with { Succeeded = true }, snapshot);
    }

    /// <inheritdoc />
    public async Task<StepResult> ApplyAsync(SettingChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Refusal(change) is { } refusal)
        {
            return StepResult.Refused(refusal);
        }

        var option = IsServiceOverride(change.Name, out _) ? "-P" : "-e";
        return StepResult.From([await RunAsync([option, $"{change.Name}={change.Value}"], cancellationToken).ConfigureAwait(false)]);
    }

    /// <inheritdoc />
    public async Task<StepResult> RestoreAsync(SettingValue original, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        var isOverride = IsServiceOverride(original.Name, out _);
        if (!Allowed.Contains(original.Name) && !isOverride)
        {
            return StepResult.Refused($"Refused: '{original.Name}' is not on the Postfix allow-list.");
        }

        var command = original.IsExplicit
            ? await RunAsync([isOverride ? "-P" : "-e", $"{original.Name}={(original.Values.Count > 0 ? original.Values[0] : string.Empty)}"], cancellationToken).ConfigureAwait(false)
            : await RunAsync([isOverride ? "-PX" : "-X", original.Name], cancellationToken).ConfigureAwait(false);
        return StepResult.From([command]);
    }

    /// <inheritdoc />
    public async Task<StepResult> ActivateAsync(CancellationToken cancellationToken)
    {
        var status = await runner.RunAsync([options.PostfixPath, "-c", options.ConfigDirectory, "status"], timeout, cancellationToken).ConfigureAwait(false);
        if (status.Outcome != CommandOutcome.Exited)
        {
            return StepResult.From([status]);
        }

        // postfix(1) writes its diagnostics to syslog, and to stderr only when stderr is a terminal: a failure here may
        // show no text, and the mail log holds the reason.
        const string note = "(postfix reports details to the mail log, not to a pipe.)";
        if (status.ExitCode == 0)
        {
            var reload = await runner.RunAsync([options.PostfixPath, "-c", options.ConfigDirectory, "reload"], timeout, cancellationToken).ConfigureAwait(false);
            return StepResult.From([status, reload], reload.Succeeded ? null : note) with { Succeeded = reload.Succeeded };
        }

        var check = await runner.RunAsync([options.PostfixPath, "-c", options.ConfigDirectory, "check"], timeout, cancellationToken).ConfigureAwait(false);
        var text = check.Succeeded
            ? "The instance is not running: nothing to reload. The configuration checks out; the values take effect when it starts."
            : note;
        return StepResult.From([status, check], text) with { Succeeded = check.Succeeded };
    }

    private Task<CommandResult> RunAsync(IReadOnlyList<string> postconfArguments, CancellationToken cancellationToken) =>
        runner.RunAsync([options.PostconfPath, "-c", options.ConfigDirectory, .. postconfArguments], timeout, cancellationToken);

    private static Dictionary<string, string>? ParseHValues(IReadOnlyList<string> names, string output)
    {
        // postconf -h prints one line per name, in the order asked; parameter values never span lines in this form.
        if (names.Count == 0)
        {
            return [];
        }

        var text = output.ReplaceLineEndings("\n");
        var lines = (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
        if (lines.Length != names.Count)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            values[names[i]] = lines[i].Trim();
        }

        return values;
    }
}
