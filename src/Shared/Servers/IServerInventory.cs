using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Servers;

/// <summary>The managed-server inventory. The REST API and the UI both go through it, so they behave the same.</summary>
public interface IServerInventory
{
    Task<OperationResult<PagedResult<ServerDto>>> ListAsync(ServerQuery query, CancellationToken cancellationToken);

    Task<ServerDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Checks input against the inventory rules without storing anything; empty when valid.</summary>
    IReadOnlyDictionary<string, string[]> Validate(ServerInput input);

    Task<OperationResult<ServerDto>> CreateAsync(ServerInput input, CancellationToken cancellationToken);

    /// <summary>Replaces a server. <paramref name="expectedRevision"/> is the revision the caller read; a different current revision fails with <see cref="OperationStatus.PreconditionFailed"/>.</summary>
    Task<OperationResult<ServerDto>> UpdateAsync(Guid id, ServerInput input, long? expectedRevision, CancellationToken cancellationToken);

    Task<OperationResult> DeleteAsync(Guid id, long? expectedRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Adds and removes tags on several servers at once (the fleet actions of the inventory). Each server is changed like
    /// an edit (new revision, one audit entry); a server that would end up invalid (too many tags) is reported and left as it was.
    /// </summary>
    Task<OperationResult<ServerTagsResultDto>> ChangeTagsAsync(ServerTagsInput input, CancellationToken cancellationToken);

    /// <summary>Every tag in use, for filter lists.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken);
}
