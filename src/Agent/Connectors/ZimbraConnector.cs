using System.Globalization;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>
/// Carbonio CE (<c>carbonio prov …</c>) and Zimbra (<c>zmprov …</c>): global config attributes read with <c>gcf ATTR</c>
/// (plus <c>gs -e SERVER ATTR…</c> when a server name is configured, to point out server-level overrides) and changed with
/// <c>mcf</c>, <c>mcf +ATTR VALUE</c> and <c>mcf -ATTR VALUE</c>. Every value is one element of the argument vector, so a
/// two-word value such as <c>check_policy_service unix:private/policy</c> can never split into an odd argument count.
/// MTA attributes take effect after an MTA restart.
/// </summary>
public sealed class ZimbraConnector : IMailConnector
{
    /// <summary>Attributes the checklist remediates (DOMAIN.md; ZimbraRules); true marks multi-valued ones.</summary>
    public static AllowList Allowed { get; } = new(
        new Dictionary<string, bool>
        {
            ["zimbraMtaSmtpdRejectUnlistedRecipient"] = false,
            ["zimbraMtaSmtpdRejectUnlistedSender"] = false,
            ["zimbraMtaUnverifiedRecipientDeferCode"] = false,
            ["zimbraMtaEnableSmtpdPolicyd"] = false,
            ["zimbraMtaRestriction"] = true,
            ["zimbraMtaSmtpdSenderLoginMaps"] = true,
            ["zimbraMtaSmtpdSenderRestrictions"] = true,
            ["zimbraAmavisFinalSpamDestiny"] = false,
            ["zimbraAmavisFinalVirusDestiny"] = false,
            ["zimbraAmavisFinalBannedDestiny"] = false,
            ["zimbraAmavisFinalBadHeaderDestiny"] = false,
        },
        StringComparer.OrdinalIgnoreCase);

    private readonly CarbonioConnectorOptions _options;
    private readonly ICommandRunner _runner;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _restartTimeout;
    private readonly string _executable;
    private readonly IReadOnlyList<string> _provArguments;
    private readonly IReadOnlyList<string> _restartCommand;

    /// <summary>Creates the connector for <paramref name="kind"/> (Carbonio or Zimbra), filling in that platform's defaults.</summary>
    public ZimbraConnector(AgentConnectorKind kind, CarbonioConnectorOptions options, ICommandRunner runner, TimeSpan timeout, TimeSpan restartTimeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (kind is not (AgentConnectorKind.Carbonio or AgentConnectorKind.Zimbra))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "The prov connector serves Carbonio and Zimbra.");
        }

        Kind = kind;
        _options = options;
        _runner = runner;
        _timeout = timeout;
        _restartTimeout = restartTimeout;
        var carbonio = kind == AgentConnectorKind.Carbonio;
        _executable = string.IsNullOrWhiteSpace(options.Executable) ? (carbonio ? "carbonio" : "zmprov") : options.Executable;
        var isCarbonioCli = Path.GetFileName(_executable).StartsWith("carbonio", StringComparison.OrdinalIgnoreCase);
        _provArguments = options.ProvArguments is { Count: > 0 } configured ? [.. configured] : isCarbonioCli ? ["prov"] : [];
        _restartCommand = options.RestartCommand is { Count: > 0 } restart
            ? [.. restart]
            : carbonio ? ["systemctl", "restart", "carbonio-mta.target"] : ["zmmtactl", "restart"];
    }

    /// <inheritdoc />
    public AgentConnectorKind Kind { get; }

    /// <inheritdoc />
    public string ActivationStepName => "restart MTA";

    /// <inheritdoc />
    public string? Refusal(SettingChange change) => Allowed.Refusal(change, Kind == AgentConnectorKind.Carbonio ? "Carbonio" : "Zimbra");

    /// <inheritdoc />
    public async Task<ReadResult> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var unknown = names.Where(n => !Allowed.Contains(n)).ToArray();
        if (unknown.Length > 0)
        {
            return new ReadResult(StepResult.Refused($"Refused: not on the allow-list: {string.Join(", ", unknown)}."), null);
        }

        var distinct = names.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var commands = new List<CommandResult>();

        // Values come from global config because that is the scope mcf writes and rollback restores; reading the
        // per-server effective value here would restore a server override into global config.
        foreach (var name in distinct)
        {
            // gcf takes one attribute per call.
            var command = await ProvAsync(["gcf", name], _timeout, cancellationToken).ConfigureAwait(false);
            commands.Add(command);
            if (!command.Succeeded)
            {
                return new ReadResult(StepResult.From(commands), null);
            }
        }

        var parsed = ZimbraConfigParser.Parse(string.Join("\n", commands.Select(c => c.StandardOutput))).Value;
        var values = distinct.ToDictionary(
            n => n,
            n => new SettingValue(n, parsed.TryGetValue(n, out var v) ? v : [], IsExplicit: true),
            StringComparer.OrdinalIgnoreCase);
        string? note = null;
        if (!string.IsNullOrWhiteSpace(_options.ServerName))
        {
            // A server-level value beats global config; say so, because a global change will not reach that server.
            var effective = await ProvAsync(["gs", "-e", _options.ServerName, .. distinct], _timeout, cancellationToken).ConfigureAwait(false);
            commands.Add(effective);
            if (effective.Succeeded)
            {
                var serverValues = ZimbraConfigParser.Parse(effective.StandardOutput).Value;
                var overridden = distinct
                    .Where(n => !Jobs.SettingSemantics.SameValues(serverValues.TryGetValue(n, out var v) ? v : [], values[n].Values))
                    .Select(n => $"note: {_options.ServerName} overrides {n} ({string.Join(" | ", serverValues.TryGetValue(n, out var v) ? v : [])}); a global change does not reach it.")
                    .ToArray();
                note = overridden.Length > 0 ? string.Join("\n", overridden) : null;
            }
        }

        var step = StepResult.From(commands, note);
        return new ReadResult(step, values);
    }

    /// <inheritdoc />
    public async Task<CollectResult> CollectAsync(CancellationToken cancellationToken)
    {
        var global = await ProvAsync(["gacf"], _timeout, cancellationToken).ConfigureAwait(false);
        var commands = new List<CommandResult> { global };
        if (global.Succeeded && !string.IsNullOrWhiteSpace(_options.ServerName))
        {
            commands.Add(await ProvAsync(["gs", "-e", _options.ServerName], _timeout, cancellationToken).ConfigureAwait(false));
        }

        var step = StepResult.From(commands);
        if (!step.Succeeded)
        {
            return new CollectResult(step, null);
        }

        var platform = Kind == AgentConnectorKind.Carbonio ? MtaPlatform.Carbonio : MtaPlatform.Zimbra;
        var snapshot = ZimbraConfigParser.ParseSnapshot(global.StandardOutput, platform, DateTimeOffset.UtcNow, SettingsSources.Agent).Value;
        if (commands.Count > 1)
        {
            // MTA attributes are inherited and may be overridden per server: the effective server value is what Postfix uses.
            var server = ZimbraConfigParser.Parse(commands[1].StandardOutput).Value;
            var merged = new Dictionary<string, IReadOnlyList<string>>(snapshot.Values, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in server.Where(p => p.Key.StartsWith("zimbraMta", StringComparison.OrdinalIgnoreCase)))
            {
                merged[name] = values;
            }

            snapshot = snapshot with { Values = merged };
        }

        if (!_options.CollectMailboxes)
        {
            return new CollectResult(step, snapshot);
        }

        // Mailbox facts complete the snapshot but do not decide it: when they cannot be read the settings still count,
        // and the rules say unknown for the mailbox checks instead of guessing.
        var (facts, factCommands, problem) = await CollectMailboxesAsync(cancellationToken).ConfigureAwait(false);
        commands.AddRange(factCommands);
        var note = problem is null ? null : "Mailbox facts were not collected: " + problem;
        return new CollectResult(StepResult.From(commands, note) with { Succeeded = true }, snapshot with { Mailboxes = facts });
    }

    /// <summary>
    /// Lists the accounts the MTA still accepts mail for although LMTP will refuse it: one search per status in
    /// <see cref="MailboxFactsParser.ZimbraUndeliverableStatuses"/>, limited to <c>zimbraMailStatus=enabled</c> (the MTA's recipient
    /// lookup skips the others), then the aliases of the first <see cref="CarbonioConnectorOptions.AliasLookupLimit"/> of them,
    /// and with a server name the quota usage (<c>prov gqu SERVER</c>).
    /// </summary>
    private async Task<(MailboxFacts? Facts, List<CommandResult> Commands, string? Problem)> CollectMailboxesAsync(CancellationToken cancellationToken)
    {
        var commands = new List<CommandResult>();
        var limit = _options.MailboxLimit;
        var mailboxes = new List<DisabledMailboxInfo>();
        var truncated = false;
        foreach (var status in MailboxFactsParser.ZimbraUndeliverableStatuses)
        {
            var filter = $"(&(zimbraAccountStatus={status})(zimbraMailStatus=enabled))";
            var search = await ProvAsync(["-l", "sa", filter, "limit", (limit + 1).ToString(CultureInfo.InvariantCulture)], _timeout, cancellationToken).ConfigureAwait(false);
            commands.Add(search);
            if (!search.Succeeded)
            {
                return (null, commands, $"prov sa for {status} accounts failed.");
            }

            var names = search.StandardOutput.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(n => n.Contains('@', StringComparison.Ordinal))
                .ToArray();
            truncated |= names.Length > limit;
            mailboxes.AddRange(names.Take(limit).Select(n => new DisabledMailboxInfo(n, status, [n])));
        }

        for (var i = 0; i < mailboxes.Count && i < _options.AliasLookupLimit; i++)
        {
            var account = await ProvAsync(["-l", "ga", mailboxes[i].Mailbox, "zimbraMailDeliveryAddress", "zimbraMailAlias"], _timeout, cancellationToken).ConfigureAwait(false);
            commands.Add(account);
            if (account.Succeeded && MailboxFactsParser.ParseZimbraAccounts(account.StandardOutput) is [var details])
            {
                mailboxes[i] = mailboxes[i] with { Addresses = details.Addresses };
            }
        }

        QuotaUsage? quota = null;
        string? problem = null;
        if (!string.IsNullOrWhiteSpace(_options.ServerName))
        {
            var usage = await ProvAsync(["gqu", _options.ServerName], _timeout, cancellationToken).ConfigureAwait(false);
            commands.Add(usage);
            if (usage.Succeeded)
            {
                quota = MailboxFactsParser.SummarizeQuota(MailboxFactsParser.ParseZimbraQuotaUsage(usage.StandardOutput), _options.QuotaReportPercent, limit);
                if (usage.StandardOutputTruncated)
                {
                    // A cut list cannot show that nobody is over quota.
                    quota = quota with { Truncated = true };
                    problem = "the quota list was longer than Agent:OutputLimitCharacters, so it is incomplete.";
                }
            }
            else
            {
                problem = "prov gqu failed, so quota usage is not known.";
            }
        }

        var source = $"{_executable} {string.Join(' ', _provArguments.Append("-l sa"))}".Trim();
        return (new MailboxFacts(DateTimeOffset.UtcNow, source, mailboxes, truncated, quota), commands, problem);
    }

    /// <inheritdoc />
    public async Task<StepResult> ApplyAsync(SettingChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Refusal(change) is { } refusal)
        {
            return StepResult.Refused(refusal);
        }

        var attribute = change.Operation switch
        {
            SettingOperation.Add => "+" + change.Name,
            SettingOperation.Remove => "-" + change.Name,
            _ => change.Name,
        };
        return StepResult.From([await ProvAsync(["mcf", attribute, change.Value], _timeout, cancellationToken).ConfigureAwait(false)]);
    }

    /// <inheritdoc />
    public async Task<StepResult> RestoreAsync(SettingValue original, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (!Allowed.Contains(original.Name))
        {
            return StepResult.Refused($"Refused: '{original.Name}' is not on the allow-list.");
        }

        // mcf with the attribute repeated once per value replaces all values at once; an empty value clears the attribute.
        IReadOnlyList<string> pairs = original.Values.Count == 0
            ? [original.Name, string.Empty]
            : original.Values.SelectMany(v => new[] { original.Name, v }).ToArray();
        return StepResult.From([await ProvAsync(["mcf", .. pairs], _timeout, cancellationToken).ConfigureAwait(false)]);
    }

    /// <inheritdoc />
    public async Task<StepResult> ActivateAsync(CancellationToken cancellationToken) =>
        StepResult.From([await _runner.RunAsync(_restartCommand, _restartTimeout, cancellationToken).ConfigureAwait(false)]);

    private Task<CommandResult> ProvAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        _runner.RunAsync([_executable, .. _provArguments, .. arguments], timeout, cancellationToken);
}
