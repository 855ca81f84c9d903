using System.Text.Json;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Settings;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Settings;

internal sealed class SettingsSnapshotService(AppDbContext db, AuditTrail audit, TimeProvider clock, ILogger<SettingsSnapshotService> logger) : ISettingsSnapshotService
{
    /// <summary>Largest pasted text accepted; real <c>postconf -n</c> and <c>prov gcf</c> outputs are well under it.</summary>
    public const int MaxTextLength = 512 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The settings platform of an inventory platform; null when the console has no settings rules for it.</summary>
    public static MtaPlatform? PlatformOf(string platform) => platform switch
    {
        MailPlatforms.Postfix => MtaPlatform.Postfix,
        MailPlatforms.Carbonio => MtaPlatform.Carbonio,
        MailPlatforms.Zimbra => MtaPlatform.Zimbra,
        MailPlatforms.MailEnable => MtaPlatform.MailEnable,
        _ => null,
    };

    public async Task<OperationResult<SettingsSnapshotDto>> UploadAsync(Guid serverId, SettingsSnapshotInput input, string? uploadedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var server = await db.Servers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == serverId, cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var now = clock.GetUtcNow();
        var collectedAt = input.CollectedAt ?? now;
        var errors = new Dictionary<string, string[]>();
        if (collectedAt > now.AddMinutes(5))
        {
            errors["collectedAt"] = ["The collection time is in the future."];
        }

        var parsed = Parse(server.Platform, input, collectedAt, errors);
        if (parsed is null || errors.Count > 0)
        {
            return OperationResult<SettingsSnapshotDto>.From(OperationResult.Invalid(errors));
        }

        var (snapshot, ignored) = parsed.Value;
        var record = new SettingsSnapshotRecord
        {
            Id = Guid.CreateVersion7(),
            ServerId = serverId,
            Platform = Text(snapshot.Platform),
            Source = snapshot.Source,
            CollectedAt = snapshot.CollectedAt.UtcDateTime,
            UploadedAt = now.UtcDateTime,
            UploadedBy = uploadedBy,
            ValuesJson = JsonSerializer.Serialize(snapshot.Values, Json),
            OverridesJson = JsonSerializer.Serialize(snapshot.ServiceOverrides, Json),
            IgnoredLines = [.. ignored.Take(500)],
        };
        db.SettingsSnapshots.Add(record);
        await using var lease = await audit.StageAsync(
            new AuditEvent(AuditActions.SettingsSnapshotStored, "server", serverId.ToString(), After: new { record.Id, record.Source, record.CollectedAt, settings = snapshot.Values.Count, ignoredLines = record.IgnoredLines.Count }, Detail: $"Stored a {record.Source} settings snapshot of server '{server.Name}'."),
            cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (StorageFailures.IsStorageUnavailable(e, out var reason))
        {
            logger.LogError(e, "Could not store a settings snapshot: {Reason}", reason);
            return new(OperationStatus.StorageUnavailable, null, $"Nothing was saved: {reason}.");
        }

        return OperationResult<SettingsSnapshotDto>.Ok(ToDto(record));
    }

    public async Task<OperationResult<SettingsSnapshotDto>> StoreFromAgentAsync(Guid serverId, SettingsSnapshot snapshot, string agentName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var server = await db.Servers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == serverId, cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        // The hub's JSON does not enforce the contract's non-null members; a malformed report is refused whole.
        if (AgentReportProblems(snapshot) is { Count: > 0 } problems)
        {
            return OperationResult<SettingsSnapshotDto>.From(OperationResult.Invalid(problems));
        }

        // The agent's connector must match the inventory: Postfix values judged by Zimbra rules would be nonsense.
        if (PlatformOf(server.Platform) is not { } platform || platform != snapshot.Platform)
        {
            return OperationResult<SettingsSnapshotDto>.From(OperationResult.Invalid(new Dictionary<string, string[]>
            {
                ["platform"] = [$"The agent reported {snapshot.Platform} settings, but '{server.Name}' is a {MailPlatforms.DisplayName(server.Platform)} server in the inventory."],
            }));
        }

        var now = clock.GetUtcNow();
        var record = new SettingsSnapshotRecord
        {
            Id = Guid.CreateVersion7(),
            ServerId = serverId,
            Platform = Text(snapshot.Platform),
            Source = SettingsSources.Agent,
            CollectedAt = (snapshot.CollectedAt > now ? now : snapshot.CollectedAt).UtcDateTime,
            UploadedAt = now.UtcDateTime,
            UploadedBy = agentName,
            ValuesJson = JsonSerializer.Serialize(snapshot.Values, Json),
            OverridesJson = JsonSerializer.Serialize(snapshot.ServiceOverrides, Json),
            MailboxesJson = snapshot.Mailboxes is null ? null : JsonSerializer.Serialize(snapshot.Mailboxes, Json),
            DefaultsJson = snapshot.ReportedDefaults is null ? null : JsonSerializer.Serialize(snapshot.ReportedDefaults, Json),
            IgnoredLines = [],
        };
        db.SettingsSnapshots.Add(record);
        await audit.RecordAsync(
            new AuditEvent(AuditActions.SettingsSnapshotStored, "server", serverId.ToString(), After: new { record.Id, record.Source, record.CollectedAt, settings = snapshot.Values.Count, disabledMailboxes = snapshot.Mailboxes?.DisabledMailboxes.Count }, Detail: $"Stored the settings snapshot the agent collected on '{server.Name}'.", ActorName: agentName),
            cancellationToken);

        return OperationResult<SettingsSnapshotDto>.Ok(ToDto(record));
    }

    public async Task<OperationResult<SettingsSnapshotDto>> GetLatestAsync(Guid serverId, CancellationToken cancellationToken)
    {
        if (!await db.Servers.AnyAsync(s => s.Id == serverId, cancellationToken))
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var record = await Current(db, serverId).FirstOrDefaultAsync(cancellationToken);
        return record is null
            ? new(OperationStatus.NotFound, null, "This server has no settings snapshot yet; upload one with POST .../settings-snapshots.")
            : OperationResult<SettingsSnapshotDto>.Ok(ToDto(record));
    }

    /// <summary>What is missing or out of bounds in an agent's snapshot; empty when it is well formed.</summary>
    internal static Dictionary<string, string[]> AgentReportProblems(SettingsSnapshot snapshot)
    {
        const int MaxText = 1024;
        const int MaxItems = 5000;
        var problems = new Dictionary<string, string[]>();
        if (snapshot.Values is null || snapshot.Values.Any(p => p.Key is null || p.Value is null || p.Value.Any(v => v is null)))
        {
            problems["values"] = ["Every setting needs a name and a list of values."];
        }

        if (snapshot.ServiceOverrides is null || snapshot.ServiceOverrides.Any(o => o is null || o.Service is null || o.Type is null || o.Name is null || o.Value is null))
        {
            problems["serviceOverrides"] = ["Every master.cf override needs a service, a type, a name and a value."];
        }

        if (snapshot.ReportedDefaults is { } defaults && (defaults.Count > MaxItems || defaults.Any(p => p.Key is null || p.Value is null || p.Value.Length > MaxText)))
        {
            problems["reportedDefaults"] = [$"Reported defaults need a name and a value of at most {MaxText} characters, at most {MaxItems} of them."];
        }

        if (snapshot.Mailboxes is { } facts)
        {
            static bool Text(string? value) => !string.IsNullOrWhiteSpace(value) && value.Length <= MaxText;
            if (!Text(facts.Source) || facts.DisabledMailboxes is null || facts.DisabledMailboxes.Count > MaxItems
                || facts.DisabledMailboxes.Any(m => m is null || !Text(m.Mailbox) || !Text(m.Status) || m.Addresses is null || m.Addresses.Count > MaxItems || m.Addresses.Any(a => !Text(a))))
            {
                problems["mailboxes.disabledMailboxes"] = [$"Mailbox facts need a source, and every disabled mailbox a name, a status and its addresses (texts of at most {MaxText} characters, at most {MaxItems} items)."];
            }

            if (facts.Quota is { } quota && (quota.NearOrOver is null || quota.NearOrOver.Count > MaxItems || quota.NearOrOver.Any(q => q is null || !Text(q.Mailbox) || q.QuotaBytes < 0 || q.UsedBytes < 0)))
            {
                problems["mailboxes.quota"] = ["Every quota entry needs a mailbox and sizes that are not negative."];
            }
        }

        return problems;
    }

    /// <summary>
    /// The snapshot the checklist and jobs use: the agent's newest when an agent has reported one, since it is read from
    /// the server itself on a schedule; otherwise the newest pasted one.
    /// </summary>
    public static IQueryable<SettingsSnapshotRecord> Current(AppDbContext db, Guid serverId)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.SettingsSnapshots.AsNoTracking().Where(s => s.ServerId == serverId)
            .OrderByDescending(s => s.Source == SettingsSources.Agent).ThenByDescending(s => s.UploadedAt);
    }

    /// <summary>The stored snapshot in the form the settings rules read.</summary>
    public static SettingsSnapshot ToSnapshot(SettingsSnapshotRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var values = JsonSerializer.Deserialize<Dictionary<string, string[]>>(record.ValuesJson, Json) ?? [];
        var overrides = JsonSerializer.Deserialize<List<ServiceOverride>>(record.OverridesJson, Json) ?? [];
        return new SettingsSnapshot(
            ParsePlatform(record.Platform),
            record.Source,
            new DateTimeOffset(record.CollectedAt, TimeSpan.Zero),
            values.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.OrdinalIgnoreCase),
            overrides,
            record.MailboxesJson is null ? null : JsonSerializer.Deserialize<MailboxFacts>(record.MailboxesJson, Json),
            record.DefaultsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(record.DefaultsJson, Json));
    }

    internal static SettingsSnapshotDto ToDto(SettingsSnapshotRecord record)
    {
        var snapshot = ToSnapshot(record);
        return new SettingsSnapshotDto(record.Id, record.ServerId, snapshot.Platform, record.Source, record.CollectedAt, record.UploadedAt, record.UploadedBy, snapshot.Values, snapshot.ServiceOverrides, record.IgnoredLines, snapshot.Mailboxes, snapshot.ReportedDefaults);
    }

    private static (SettingsSnapshot Snapshot, IReadOnlyList<string> Ignored)? Parse(string serverPlatform, SettingsSnapshotInput input, DateTimeOffset collectedAt, Dictionary<string, string[]> errors)
    {
        var platform = PlatformOf(serverPlatform);
        if (platform is null)
        {
            errors["platform"] = [$"The console has no settings rules for {MailPlatforms.DisplayName(serverPlatform)} servers; snapshots are for Postfix, Carbonio, Zimbra and MailEnable."];
            return null;
        }

        if (input.Text?.Length > MaxTextLength || input.PostconfP?.Length > MaxTextLength)
        {
            errors["text"] = [$"The pasted text is longer than {MaxTextLength / 1024} KiB."];
            return null;
        }

        var badText = TextRules.AddControlCharacterError(errors, "text", input.Text, "The pasted text", multiLine: true);
        var badPostconfP = TextRules.AddControlCharacterError(errors, "postconfP", input.PostconfP, "The pasted postconf -P output", multiLine: true);
        if (badText || badPostconfP)
        {
            return null;
        }

        switch (platform.Value)
        {
            case MtaPlatform.Postfix:
            {
                if (input.MailEnable is not null)
                {
                    errors["mailEnable"] = ["This is a Postfix server: paste postconf -n (and postconf -P) output in text and postconfP."];
                }

                if (string.IsNullOrWhiteSpace(input.Text))
                {
                    errors["text"] = ["Paste the output of postconf -n."];
                    return null;
                }

                var outcome = PostconfParser.ParseSnapshot(input.Text, string.IsNullOrWhiteSpace(input.PostconfP) ? null : input.PostconfP, collectedAt);
                if (outcome.Value.Values.Count == 0)
                {
                    errors["text"] = [NothingRecognised("name = value", "postconf -n", outcome.IgnoredLines)];
                    return null;
                }

                if (!string.IsNullOrWhiteSpace(input.PostconfP) && outcome.Value.ServiceOverrides.Count == 0)
                {
                    errors["postconfP"] = ["No service/type/name = value line was found; paste the output of postconf -P, or leave the field empty."];
                    return null;
                }

                return (outcome.Value, outcome.IgnoredLines);
            }

            case MtaPlatform.Carbonio or MtaPlatform.Zimbra:
            {
                var command = platform == MtaPlatform.Carbonio ? "carbonio prov gcf" : "zmprov gacf";
                if (input.MailEnable is not null || !string.IsNullOrWhiteSpace(input.PostconfP))
                {
                    errors["text"] = [$"This is a {MailPlatforms.DisplayName(serverPlatform)} server: paste the output of {command} in text only."];
                    return null;
                }

                if (string.IsNullOrWhiteSpace(input.Text))
                {
                    errors["text"] = [$"Paste the output of {command}."];
                    return null;
                }

                var outcome = ZimbraConfigParser.ParseSnapshot(input.Text, platform.Value, collectedAt);
                if (outcome.Value.Values.Count == 0)
                {
                    errors["text"] = [NothingRecognised("attribute: value", command, outcome.IgnoredLines)];
                    return null;
                }

                return (outcome.Value, outcome.IgnoredLines);
            }

            default:
            {
                if (input.MailEnable is null)
                {
                    errors["mailEnable"] = ["This is a MailEnable server: fill in the MailEnable options."];
                    return null;
                }

                var options = ToOptions(input.MailEnable, errors);
                return options is null ? null : (options.ToSnapshot(collectedAt), []);
            }
        }
    }

    private static MailEnableOptions? ToOptions(MailEnableSettingsInput input, Dictionary<string, string[]> errors)
    {
        MailEnableQuotaNotification? quota = input.QuotaNotification?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "mailbox-only" or "mailboxonly" => MailEnableQuotaNotification.MailboxOnly,
            "bounce-to-sender" or "bouncetosender" => MailEnableQuotaNotification.BounceToSender,
            "postmaster" => MailEnableQuotaNotification.Postmaster,
            _ => (MailEnableQuotaNotification?)(-1),
        };
        if (TextRules.ControlCharacterError(input.QuotaNotification, "The over-quota handling") is { } quotaError)
        {
            errors["mailEnable.quotaNotification"] = [quotaError];
        }
        else if (quota is { } q && !Enum.IsDefined(q))
        {
            errors["mailEnable.quotaNotification"] = [$"'{input.QuotaNotification}' is not one of mailbox-only, bounce-to-sender, postmaster."];
        }

        Dictionary<string, string>? catchAlls = null;
        if (input.CatchAlls is not null)
        {
            catchAlls = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in input.CatchAlls.Where(l => !string.IsNullOrWhiteSpace(l)))
            {
                if (TextRules.AddControlCharacterError(errors, "mailEnable.catchAlls", line, "A catch-all line"))
                {
                    continue;
                }

                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || equals == line.Length - 1)
                {
                    errors["mailEnable.catchAlls"] = [$"'{line}' is not domain=target."];
                    continue;
                }

                catchAlls[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        return new MailEnableOptions
        {
            AuthenticatedSendersMustUseValidSenderAddress = input.AuthenticatedSendersMustUseValidSenderAddress,
            LocalDomainSendersMustAuthenticate = input.LocalDomainSendersMustAuthenticate,
            SenderDomainMustBeLocalOrResolvable = input.SenderDomainMustBeLocalOrResolvable,
            NdrForDisabledMailboxes = input.NdrForDisabledMailboxes,
            QuotaNotification = quota,
            CatchAlls = catchAlls,
        };
    }

    private static string NothingRecognised(string shape, string command, IReadOnlyList<string> ignored) =>
        $"No '{shape}' line was recognised, so nothing was stored. Paste the output of {command}."
        + (ignored.Count > 0 ? $" First ignored line: '{Clip(ignored[0])}'." : string.Empty);

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static string Text(MtaPlatform platform) => platform.ToString().ToLowerInvariant();

    private static MtaPlatform ParsePlatform(string text) => Enum.Parse<MtaPlatform>(text, ignoreCase: true);
}
