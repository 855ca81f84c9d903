using BackscatterConsole.Domain.Servers;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Server.Fleet;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Servers;

internal sealed class ServerInventory(AppDbContext db, AuditTrail audit, TimeProvider clock, IOptions<EmissionOptions> emission, ILogger<ServerInventory> logger) : IServerInventory
{
    public async Task<OperationResult<PagedResult<ServerDto>>> ListAsync(ServerQuery query, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (query.Page < 1)
        {
            errors["page"] = ["Page must be 1 or more."];
        }

        if (query.PageSize is < 1 or > ServerQuery.MaxPageSize)
        {
            errors["pageSize"] = [$"Page size must be between 1 and {ServerQuery.MaxPageSize}."];
        }

        var sorts = ParseSort(query.Sort, errors);
        var platform = query.Platform?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(platform) && !MailPlatforms.All.Contains(platform))
        {
            errors["platform"] = [$"'{query.Platform}' is not a known platform: use one of {string.Join(", ", MailPlatforms.All)}."];
        }

        var status = query.Status?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(status) && !ServerStatusFilter.All.Contains(status))
        {
            errors["status"] = [$"'{query.Status}' is not a status: use one of {string.Join(", ", ServerStatusFilter.All)}."];
        }

        if (query.MinRisk is < 0 or > 100)
        {
            errors["minRisk"] = ["The lowest risk must be between 0 and 100."];
        }

        if (query.MaxRisk is < 0 or > 100)
        {
            errors["maxRisk"] = ["The highest risk must be between 0 and 100."];
        }
        else if (query.MinRisk is { } min && query.MaxRisk is { } max && min > max)
        {
            errors["maxRisk"] = [$"The highest risk ({max}) is below the lowest ({min})."];
        }

        // Searched text reaches the database; PostgreSQL refuses NUL in a query parameter outright.
        TextRules.AddControlCharacterError(errors, "q", query.Q, "The search text");
        TextRules.AddControlCharacterError(errors, "tag", query.Tag, "The tag");
        var check = query.Check?.Trim();
        if (!string.IsNullOrEmpty(check) && (check.Length > 100 || !check.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
        {
            errors["check"] = [$"'{query.Check}' is not a check id: letters, digits, '.', '-' and '_' (for example dnsbl.listing)."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<PagedResult<ServerDto>>.From(OperationResult.Invalid(errors));
        }

        var servers = db.Servers.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Q))
        {
            var text = query.Q.Trim();
            var upper = text.ToUpperInvariant();
            var lower = text.ToLowerInvariant();
            // A non-correlated IN (...) lets SQLite scan the domains once instead of once per server.
            var byDomain = db.ServerDomains.Where(d => d.Name.Contains(lower)).Select(d => d.ServerId);
            servers = servers.Where(s => s.NormalizedName.Contains(upper) || s.Hostname.Contains(lower) || byDomain.Contains(s.Id));
        }

        if (!string.IsNullOrEmpty(platform))
        {
            servers = servers.Where(s => s.Platform == platform);
        }

        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = query.Tag.Trim().ToLowerInvariant();
            var tagged = db.ServerTags.Where(t => t.Value == tag).Select(t => t.ServerId);
            servers = servers.Where(s => tagged.Contains(s.Id));
        }

        if (query.MinRisk is { } minRisk)
        {
            servers = servers.Where(s => s.RiskScore >= minRisk);
        }

        if (query.MaxRisk is { } maxRisk)
        {
            servers = servers.Where(s => s.RiskScore <= maxRisk);
        }

        servers = status switch
        {
            null or "" => servers,
            ServerStatusFilter.Unscanned => servers.Where(s => s.WorstStatus == null),
            _ => servers.Where(s => s.WorstStatus == status),
        };

        if (!string.IsNullOrEmpty(check))
        {
            servers = servers.Where(FleetQueries.HasFinding(db, check));
        }

        if (query.Emitting is { } emitting)
        {
            var isEmitting = FleetQueries.IsEmitting(db, clock.GetUtcNow(), emission.Value.Window);
            servers = emitting ? servers.Where(isEmitting) : servers.Where(Negate(isEmitting));
        }

        var total = await servers.CountAsync(cancellationToken);
        servers = Sort(servers, sorts);

        var page = await servers
            .Skip((query.Page - 1) * query.PageSize)
            .Take(query.PageSize)
            .Include(s => s.Domains)
            .Include(s => s.Tags)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);

        return OperationResult<PagedResult<ServerDto>>.Ok(new PagedResult<ServerDto>(page.Select(ToDto).ToList(), total, query.Page, query.PageSize));
    }

    private static System.Linq.Expressions.Expression<Func<ManagedServer, bool>> Negate(System.Linq.Expressions.Expression<Func<ManagedServer, bool>> predicate) =>
        System.Linq.Expressions.Expression.Lambda<Func<ManagedServer, bool>>(System.Linq.Expressions.Expression.Not(predicate.Body), predicate.Parameters);

    private static List<(string Key, bool Descending)> ParseSort(string? sort, Dictionary<string, string[]> errors)
    {
        var keys = new List<(string Key, bool Descending)>();
        foreach (var part in (string.IsNullOrWhiteSpace(sort) ? "name" : sort).Split(',', StringSplitOptions.TrimEntries))
        {
            var descending = part.StartsWith('-');
            var key = part.TrimStart('-');
            if (!ServerQuery.SortKeys.Contains(key))
            {
                errors["sort"] = [$"'{part}' is not a sort key: use {string.Join(", ", ServerQuery.SortKeys)}, with '-' in front for descending, several separated by commas."];
                return [];
            }

            if (keys.Any(k => k.Key == key))
            {
                errors["sort"] = [$"'{key}' appears twice in the sort."];
                return [];
            }

            keys.Add((key, descending));
        }

        return keys;
    }

    /// <summary>Orders by the given keys, the first deciding first; name, then id, settle ties so that paging is stable.</summary>
    private static IQueryable<ManagedServer> Sort(IQueryable<ManagedServer> servers, List<(string Key, bool Descending)> keys)
    {
        IOrderedQueryable<ManagedServer>? ordered = null;
        IOrderedQueryable<ManagedServer> By<TKey>(System.Linq.Expressions.Expression<Func<ManagedServer, TKey>> key, bool descending) =>
            (ordered, descending) switch
            {
                (null, false) => servers.OrderBy(key),
                (null, true) => servers.OrderByDescending(key),
                (_, false) => ordered.ThenBy(key),
                (_, true) => ordered.ThenByDescending(key),
            };

        foreach (var (key, descending) in keys)
        {
            switch (key)
            {
                case "hostname":
                    ordered = By(s => s.Hostname, descending);
                    break;
                case "platform":
                    ordered = By(s => s.Platform, descending);
                    break;
                case "updatedAt":
                    ordered = By(s => s.UpdatedAt, descending);
                    break;
                case "risk":
                    // Never-scanned servers have no score: after the scanned ones, whichever the direction.
                    ordered = By(s => s.RiskScore == null, false);
                    ordered = By(s => s.RiskScore, descending);
                    break;
                case "scannedAt":
                    ordered = By(s => s.LastScannedAt == null, false);
                    ordered = By(s => s.LastScannedAt, descending);
                    break;
                default:
                    ordered = By(s => s.NormalizedName, descending);
                    break;
            }
        }

        ordered = keys.Any(k => k.Key == "name") ? ordered! : By(s => s.NormalizedName, false);
        return ordered.ThenBy(s => s.Id);
    }

    public async Task<OperationResult<ServerTagsResultDto>> ChangeTagsAsync(ServerTagsInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var ids = input.ServerIds?.Distinct().ToList() ?? [];
        if (ids.Count is 0 or > 1000)
        {
            errors["serverIds"] = ["Name between 1 and 1000 servers."];
        }

        var add = (input.Add ?? []).Select(t => t?.Trim().ToLowerInvariant() ?? string.Empty).Distinct().ToList();
        var remove = (input.Remove ?? []).Select(t => t?.Trim().ToLowerInvariant() ?? string.Empty).Distinct().ToList();
        if (add.Count + remove.Count == 0)
        {
            errors["add"] = ["Name at least one tag to add or remove."];
        }

        // The same rules as a server's own tags, by validating them as one server's list.
        var tagErrors = ServerRules.Validate(new ServerInput { Name = "x", Hostname = "x.example", Platform = MailPlatforms.Other, Tags = [.. add, .. remove] }, out _);
        if (tagErrors.TryGetValue("tags", out var invalid))
        {
            errors["add"] = invalid;
        }

        if (add.Intersect(remove).Any())
        {
            errors["remove"] = ["A tag cannot be added and removed at once."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<ServerTagsResultDto>.From(OperationResult.Invalid(errors));
        }

        var known = await db.Servers.AsNoTracking().Where(s => ids.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken);
        var missing = ids.Except(known).ToList();
        if (missing.Count > 0)
        {
            return OperationResult<ServerTagsResultDto>.From(OperationResult.Invalid(new Dictionary<string, string[]>
            {
                ["serverIds"] = [$"No server has the id {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" (and {missing.Count - 5} more)" : string.Empty)}; nothing was changed."],
            }));
        }

        var changed = new List<Guid>();
        var unchanged = new List<Guid>();
        var failed = new Dictionary<Guid, string>();
        foreach (var id in ids)
        {
            var server = await GetAsync(id, cancellationToken);
            if (server is null)
            {
                failed[id] = "It was deleted meanwhile.";
                continue;
            }

            var tags = server.Tags.Union(add, StringComparer.Ordinal).Except(remove, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (tags.SequenceEqual(server.Tags.Order(StringComparer.Ordinal)))
            {
                unchanged.Add(id);
                continue;
            }

            var result = await UpdateAsync(id, ToInput(server, tags), server.Revision, cancellationToken);
            if (result.Succeeded)
            {
                changed.Add(id);
            }
            else if (result.Status == OperationStatus.StorageUnavailable)
            {
                return OperationResult<ServerTagsResultDto>.From(result);
            }
            else
            {
                failed[id] = result.Describe();
            }
        }

        return OperationResult<ServerTagsResultDto>.Ok(new ServerTagsResultDto(changed, unchanged, failed));
    }

    private static ServerInput ToInput(ServerDto s, List<string> tags) => new()
    {
        Name = s.Name,
        Hostname = s.Hostname,
        Platform = s.Platform,
        Version = s.Version,
        SmtpHost = s.SmtpHost,
        SmtpPort = s.SmtpPort,
        ProbeEnabled = s.ProbeEnabled,
        Domains = s.Domains.Select(d => new HostedDomainInput { Name = d.Name, DkimSelectors = [.. d.DkimSelectors] }).ToList(),
        Tags = tags,
        Notes = s.Notes,
        ControlRecipient = s.ControlRecipient,
        ScanIntervalMinutes = s.ScanIntervalMinutes,
        EgressAddresses = [.. s.EgressAddresses ?? []],
    };

    public async Task<ServerDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var server = await LoadAsync(id, tracking: false, cancellationToken);
        return server is null ? null : ToDto(server);
    }

    public IReadOnlyDictionary<string, string[]> Validate(ServerInput input) => ServerRules.Validate(input, out _);

    public async Task<OperationResult<ServerDto>> CreateAsync(ServerInput input, CancellationToken cancellationToken)
    {
        var errors = ServerRules.Validate(input, out var definition);
        if (definition is null)
        {
            return OperationResult<ServerDto>.From(OperationResult.Invalid(errors));
        }

        var normalizedName = definition.Name.ToUpperInvariant();
        if (await db.Servers.AnyAsync(s => s.NormalizedName == normalizedName, cancellationToken))
        {
            return DuplicateName(definition.Name);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var server = new ManagedServer
        {
            Id = Guid.CreateVersion7(),
            Name = definition.Name,
            NormalizedName = normalizedName,
            Hostname = definition.Hostname,
            Platform = definition.Platform,
            SmtpHost = definition.SmtpHost,
            CreatedAt = now,
            Revision = 1,
        };
        Apply(server, definition, now);
        db.Servers.Add(server);
        return await SaveAsync(server, definition.Name, new AuditEvent(AuditActions.ServerCreated, "server", server.Id.ToString(), After: ToDto(server), Detail: $"Added server '{server.Name}'."), cancellationToken);
    }

    public async Task<OperationResult<ServerDto>> UpdateAsync(Guid id, ServerInput input, long? expectedRevision, CancellationToken cancellationToken)
    {
        var server = await LoadAsync(id, tracking: true, cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {id}.");
        }

        if (expectedRevision is { } expected && expected != server.Revision)
        {
            return Stale(server);
        }

        var errors = ServerRules.Validate(input, out var definition);
        if (definition is null)
        {
            return OperationResult<ServerDto>.From(OperationResult.Invalid(errors));
        }

        var normalizedName = definition.Name.ToUpperInvariant();
        if (await db.Servers.AnyAsync(s => s.NormalizedName == normalizedName && s.Id != id, cancellationToken))
        {
            return DuplicateName(definition.Name);
        }

        var before = ToDto(server);

        // The WHERE Revision = read value of the UPDATE catches a writer that slipped in after the check above.
        db.Entry(server).Property(s => s.Revision).OriginalValue = server.Revision;
        server.Revision++;
        server.Name = definition.Name;
        server.NormalizedName = normalizedName;
        Apply(server, definition, clock.GetUtcNow().UtcDateTime);
        return await SaveAsync(server, definition.Name, new AuditEvent(AuditActions.ServerUpdated, "server", server.Id.ToString(), before, ToDto(server), $"Changed server '{server.Name}'."), cancellationToken);
    }

    public async Task<OperationResult> DeleteAsync(Guid id, long? expectedRevision, CancellationToken cancellationToken)
    {
        var server = await LoadAsync(id, tracking: true, cancellationToken);
        if (server is null)
        {
            return OperationResult.Fail(OperationStatus.NotFound, $"No server has the id {id}.");
        }

        if (expectedRevision is { } expected && expected != server.Revision)
        {
            return Stale(server);
        }

        db.Servers.Remove(server);
        await using var lease = await audit.StageAsync(new AuditEvent(AuditActions.ServerDeleted, "server", server.Id.ToString(), Before: ToDto(server), Detail: $"Deleted server '{server.Name}'."), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return OperationResult.Ok();
        }
        catch (DbUpdateConcurrencyException)
        {
            return OperationResult.Fail(OperationStatus.PreconditionFailed, "The server was changed or deleted by someone else meanwhile; reload it and try again.");
        }
        catch (Exception e) when (StorageFailures.IsStorageUnavailable(e, out var reason))
        {
            return StorageUnavailable(e, reason);
        }
    }

    public async Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken) =>
        await db.ServerTags.AsNoTracking().Select(t => t.Value).Distinct().OrderBy(t => t).ToListAsync(cancellationToken);

    private Task<ManagedServer?> LoadAsync(Guid id, bool tracking, CancellationToken cancellationToken)
    {
        var query = tracking ? db.Servers : db.Servers.AsNoTracking();
        return query.Include(s => s.Domains).Include(s => s.Tags).AsSplitQuery().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
    }

    private static void Apply(ManagedServer server, ServerDefinition definition, DateTime now)
    {
        server.Hostname = definition.Hostname;
        server.Platform = definition.Platform;
        server.Version = definition.Version;
        server.SmtpHost = definition.SmtpHost;
        server.SmtpPort = definition.SmtpPort;
        server.ProbeEnabled = definition.ProbeEnabled;
        server.Notes = definition.Notes;
        server.ControlRecipient = definition.ControlRecipient;
        server.ScanIntervalMinutes = definition.ScanIntervalMinutes;
        server.EgressAddresses = [.. definition.EgressAddresses ?? []];
        server.UpdatedAt = now;

        server.Domains.Clear();
        for (var i = 0; i < definition.Domains.Count; i++)
        {
            var domain = definition.Domains[i];
            server.Domains.Add(new ServerDomain { Name = domain.Name, Position = i, DkimSelectors = [.. domain.DkimSelectors] });
        }

        server.Tags.Clear();
        server.Tags.AddRange(definition.Tags.Select(t => new ServerTag { Value = t }));
    }

    private async Task<OperationResult<ServerDto>> SaveAsync(ManagedServer server, string name, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        await using var lease = await audit.StageAsync(auditEvent, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return OperationResult<ServerDto>.Ok(ToDto(server));
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(OperationStatus.PreconditionFailed, null, "The server was changed by someone else meanwhile; reload it and apply your change again.");
        }
        catch (Exception e) when (StorageFailures.IsStorageUnavailable(e, out var reason))
        {
            return OperationResult<ServerDto>.From(StorageUnavailable(e, reason));
        }
        catch (DbUpdateException e) when (StorageFailures.IsUniqueViolation(e))
        {
            // Two creates with the same name raced past the existence check; the unique index decided.
            return DuplicateName(name);
        }
    }

    private OperationResult StorageUnavailable(Exception e, string reason)
    {
        logger.LogError(e, "Could not write to the database: {Reason}", reason);
        return OperationResult.Fail(OperationStatus.StorageUnavailable, $"Nothing was saved: {reason}. {StorageFailures.Advice(e)}");
    }

    private static OperationResult<ServerDto> DuplicateName(string name) =>
        new(OperationStatus.Conflict, null, $"A server named '{name}' already exists; names are unique (ignoring case).");

    private static OperationResult<ServerDto> Stale(ManagedServer server) =>
        new(OperationStatus.PreconditionFailed, null, $"The server was changed by someone else (now at revision {server.Revision}); reload it and apply your change again.");

    internal static ServerDto ToDto(ManagedServer s) => new(
        s.Id,
        s.Name,
        s.Hostname,
        s.Platform,
        s.Version,
        s.SmtpHost,
        s.SmtpPort,
        s.ProbeEnabled,
        s.Domains.OrderBy(d => d.Position).Select(d => new HostedDomainDto(d.Name, d.DkimSelectors)).ToList(),
        s.Tags.Select(t => t.Value).Order(StringComparer.Ordinal).ToList(),
        s.Notes,
        s.CreatedAt,
        s.UpdatedAt,
        s.Revision,
        s.ControlRecipient,
        s.ScanIntervalMinutes,
        s.RiskScore,
        s.WorstStatus,
        s.LastScannedAt,
        s.EgressAddresses);
}
