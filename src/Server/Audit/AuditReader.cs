using System.Runtime.CompilerServices;
using BackscatterConsole.Domain.Audit;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Audit;

internal sealed class AuditReader(AppDbContext db) : IAuditReader
{
    public async Task<OperationResult<PagedResult<AuditEntryDto>>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var errors = Validate(query);
        if (errors.Count > 0)
        {
            return OperationResult<PagedResult<AuditEntryDto>>.From(OperationResult.Invalid(errors));
        }

        var entries = Filter(query);
        var total = await entries.CountAsync(cancellationToken);
        var page = await entries.OrderByDescending(e => e.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)
            .ToListAsync(cancellationToken);
        return OperationResult<PagedResult<AuditEntryDto>>.Ok(new(page.Select(ToDto).ToList(), total, query.Page, query.PageSize));
    }

    public async IAsyncEnumerable<AuditEntryDto> ExportAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in Filter(query).OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return ToDto(entry);
        }
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        // Streams the chain in id order, so memory stays flat however long the trail grows.
        var verifier = new AuditChainVerifier();
        await foreach (var e in db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var content = new AuditContent(e.Id, e.OccurredAt, e.ActorId, e.ActorName, e.SourceAddress, e.Action, e.ObjectType, e.ObjectId, e.Before, e.After, e.Detail);
            if (!verifier.Accept(content, e.PreviousHash, e.Hash))
            {
                break;
            }
        }

        return new AuditVerification(verifier.FirstBrokenId is null, verifier.Checked, verifier.FirstBrokenId);
    }

    private IQueryable<AuditEntry> Filter(AuditQuery query)
    {
        var entries = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            entries = entries.Where(e => e.Action == query.Action.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            entries = entries.Where(e => e.ActorName == query.Actor.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.ObjectType))
        {
            entries = entries.Where(e => e.ObjectType == query.ObjectType.Trim());
        }

        if (!string.IsNullOrWhiteSpace(query.ObjectId))
        {
            entries = entries.Where(e => e.ObjectId == query.ObjectId.Trim());
        }

        if (query.From is { } from)
        {
            var utc = from.ToUniversalTime();
            entries = entries.Where(e => e.OccurredAt >= utc);
        }

        if (query.To is { } to)
        {
            var utc = to.ToUniversalTime();
            entries = entries.Where(e => e.OccurredAt < utc);
        }

        return entries;
    }

    /// <summary>The query's problems by field; the export checks its filters with it too.</summary>
    public static Dictionary<string, string[]> Validate(AuditQuery query)
    {
        var errors = new Dictionary<string, string[]>();
        if (query.Page < 1)
        {
            errors["page"] = ["Page must be 1 or more."];
        }

        if (query.PageSize is < 1 or > AuditQuery.MaxPageSize)
        {
            errors["pageSize"] = [$"Page size must be between 1 and {AuditQuery.MaxPageSize}."];
        }

        if (query.From is { } from && query.To is { } to && to <= from)
        {
            errors["to"] = ["'to' must be after 'from'."];
        }

        // Filters reach the database; PostgreSQL refuses NUL in a query parameter outright.
        TextRules.AddControlCharacterError(errors, "action", query.Action, "The action filter");
        TextRules.AddControlCharacterError(errors, "actor", query.Actor, "The actor filter");
        TextRules.AddControlCharacterError(errors, "objectType", query.ObjectType, "The object type filter");
        TextRules.AddControlCharacterError(errors, "objectId", query.ObjectId, "The object id filter");

        return errors;
    }

    private static AuditEntryDto ToDto(AuditEntry e) =>
        new(e.Id, e.OccurredAt, e.ActorId, e.ActorName, e.SourceAddress, e.Action, e.ObjectType, e.ObjectId, e.Before, e.After, e.Detail, e.Hash, e.PreviousHash);
}
