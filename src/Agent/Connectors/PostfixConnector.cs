using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>
/// Postfix through <c>postconf -c DIR</c> and <c>postfix -c DIR</c>. Values are read with <c>postconf -h NAME…</c> (effective
/// values, defaults included) plus <c>postconf -n NAME…</c> for which of them are explicit; snapshots are <c>postconf -n</c>
/// and <c>postconf -P</c> parsed by <see cref="PostconfParser"/>; a change is
/// <c>postconf -e name=value</c> with the pair as one argument. Activation reloads a running instance; when the instance is
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
    public string? Refusal(SettingChange change) => Allowed.Refusal(change, "Postfix");

    /// <inheritdoc />
    public async Task<ReadResult> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var unknown = names.Where(n => !Allowed.Contains(n)).ToArray();
        if (unknown.Length > 0)
        {
            return new ReadResult(StepResult.Refused($"Refused: not on the Postfix allow-list: {string.Join(", ", unknown)}."), null);
        }

        var effective = await RunAsync(["-h", .. names], cancellationToken).ConfigureAwait(false);
        var explicitly = effective.Succeeded
            ? await RunAsync(["-n", .. names], cancellationToken).ConfigureAwait(false)
            : null;
        var commands = explicitly is null ? new[] { effective } : new[] { effective, explicitly };
        var step = StepResult.From(commands);
        if (!step.Succeeded || explicitly is null)
        {
            return new ReadResult(step, null);
        }

        var values = ParseHValues(names, effective.StandardOutput);
        if (values is null)
        {
            return new ReadResult(step with { Succeeded = false, Output = step.Output + "\npostconf printed a different number of values than names were asked for." }, null);
        }

        var explicitNames = PostconfParser.ParseMain(explicitly.StandardOutput).Value;
        var result = names.Distinct(StringComparer.Ordinal).ToDictionary(
            n => n,
            n => new SettingValue(n, [values[n]], explicitNames.ContainsKey(n)),
            StringComparer.Ordinal);
        return new ReadResult(step, result);
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

        var parsed = PostconfParser.ParseSnapshot(main.StandardOutput, master.StandardOutput, DateTimeOffset.UtcNow, SettingsSources.Agent);
        return new CollectResult(step, parsed.Value);
    }

    /// <inheritdoc />
    public async Task<StepResult> ApplyAsync(SettingChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Refusal(change) is { } refusal)
        {
            return StepResult.Refused(refusal);
        }

        return StepResult.From([await RunAsync(["-e", $"{change.Name}={change.Value}"], cancellationToken).ConfigureAwait(false)]);
    }

    /// <inheritdoc />
    public async Task<StepResult> RestoreAsync(SettingValue original, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (!Allowed.Contains(original.Name))
        {
            return StepResult.Refused($"Refused: '{original.Name}' is not on the Postfix allow-list.");
        }

        var command = original.IsExplicit
            ? await RunAsync(["-e", $"{original.Name}={(original.Values.Count > 0 ? original.Values[0] : string.Empty)}"], cancellationToken).ConfigureAwait(false)
            : await RunAsync(["-X", original.Name], cancellationToken).ConfigureAwait(false);
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
