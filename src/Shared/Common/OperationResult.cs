namespace BackscatterConsole.Shared.Common;

/// <summary>How an application operation ended; the API maps each to an HTTP status, the UI to an inline message.</summary>
public enum OperationStatus
{
    /// <summary>Done.</summary>
    Ok,

    /// <summary>The input broke a rule; <see cref="OperationResult.Errors"/> says which field and why.</summary>
    Invalid,

    /// <summary>The object does not exist.</summary>
    NotFound,

    /// <summary>The change clashes with existing data (for example a duplicate name).</summary>
    Conflict,

    /// <summary>The object changed since the caller read it (stale revision).</summary>
    PreconditionFailed,

    /// <summary>The caller may not do this to this object.</summary>
    Forbidden,

    /// <summary>The database could not be written (read-only, disk full); nothing was stored.</summary>
    StorageUnavailable,
}

/// <summary>The outcome of an operation with no value.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Message">A sentence for the user when it did not succeed.</param>
/// <param name="Errors">Per-field validation messages, keyed by camelCase field path (for example <c>domains[1].name</c>).</param>
public record OperationResult(OperationStatus Status, string? Message = null, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    /// <summary>True when <see cref="Status"/> is <see cref="OperationStatus.Ok"/>.</summary>
    public bool Succeeded => Status == OperationStatus.Ok;

    /// <summary>
    /// One sentence for a person: the per-field messages when the input was invalid (the <see cref="Message"/> of an
    /// invalid result only says that it is), otherwise the message.
    /// </summary>
    public string Describe() =>
        Status == OperationStatus.Invalid && Errors is { Count: > 0 } errors
            ? string.Join(" ", errors.SelectMany(e => e.Value))
            : Message ?? string.Empty;

    /// <summary>A successful result.</summary>
    public static OperationResult Ok() => new(OperationStatus.Ok);

    /// <summary>A validation failure.</summary>
    public static OperationResult Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(OperationStatus.Invalid, "The input is not valid.", errors);

    /// <summary>A failure of the given kind with a message.</summary>
    public static OperationResult Fail(OperationStatus status, string message) => new(status, message);
}

/// <summary>The outcome of an operation that yields a value on success.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed record OperationResult<T>(OperationStatus Status, T? Value, string? Message = null, IReadOnlyDictionary<string, string[]>? Errors = null)
    : OperationResult(Status, Message, Errors)
{
    /// <summary>A successful result carrying <paramref name="value"/>.</summary>
    public static OperationResult<T> Ok(T value) => new(OperationStatus.Ok, value);

    /// <summary>Carries a failed result over to this value type.</summary>
    public static OperationResult<T> From(OperationResult failure) => new(failure.Status, default, failure.Message, failure.Errors);
}

/// <summary>One page of a list.</summary>
/// <typeparam name="T">Item type.</typeparam>
/// <param name="Items">The items on this page.</param>
/// <param name="Total">How many items match in all.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Items per page.</param>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize)
{
    /// <summary>Number of pages (at least 1).</summary>
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
}
