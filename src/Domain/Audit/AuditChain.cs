using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BackscatterConsole.Domain.Audit;

/// <summary>The content of one audit entry that its hash covers.</summary>
public sealed record AuditContent(
    long Id,
    DateTime OccurredAt,
    Guid? ActorId,
    string? ActorName,
    string? SourceAddress,
    string Action,
    string ObjectType,
    string? ObjectId,
    string? Before,
    string? After,
    string? Detail);

/// <summary>
/// The audit trail's hash chain: each entry's hash is SHA-256 over a canonical encoding of its content and the previous
/// entry's hash, so changing, removing or reordering any entry breaks every hash after it.
/// </summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>Hash of <paramref name="content"/> chained to <paramref name="previousHash"/>, lower-case hex.</summary>
    public static string Hash(string previousHash, AuditContent content)
    {
        ArgumentNullException.ThrowIfNull(previousHash);
        ArgumentNullException.ThrowIfNull(content);
        var builder = new StringBuilder(256);

        // Length-prefixed fields: no choice of values can make two different entries encode alike.
        void Field(string? value)
        {
            if (value is null)
            {
                builder.Append("-1:");
                return;
            }

            builder.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }

        Field(previousHash);
        Field(content.Id.ToString(CultureInfo.InvariantCulture));
        Field(content.OccurredAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        Field(content.ActorId?.ToString("D"));
        Field(content.ActorName);
        Field(content.SourceAddress);
        Field(content.Action);
        Field(content.ObjectType);
        Field(content.ObjectId);
        Field(content.Before);
        Field(content.After);
        Field(content.Detail);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    /// <summary>
    /// Walks entries in id order and returns the id of the first one whose stored hashes do not match, or null when all match.
    /// Also catches a removed entry (its successor's previous hash no longer matches).
    /// </summary>
    public static long? FirstBroken(IEnumerable<(AuditContent Content, string PreviousHash, string Hash)> entries, out long checkedCount)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var verifier = new AuditChainVerifier();
        foreach (var (content, previousHash, hash) in entries)
        {
            if (!verifier.Accept(content, previousHash, hash))
            {
                break;
            }
        }

        checkedCount = verifier.Checked;
        return verifier.FirstBrokenId;
    }
}

/// <summary>Checks a chain one entry at a time, so a trail of any length can be streamed through it.</summary>
public sealed class AuditChainVerifier
{
    private string _expectedPrevious = AuditChain.Genesis;

    /// <summary>Entries checked so far, including a broken one.</summary>
    public long Checked { get; private set; }

    /// <summary>The first entry that did not match, once one has been seen.</summary>
    public long? FirstBrokenId { get; private set; }

    /// <summary>Checks the next entry in id order; false once the chain is broken.</summary>
    public bool Accept(AuditContent content, string previousHash, string hash)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (FirstBrokenId is not null)
        {
            return false;
        }

        Checked++;
        if (!string.Equals(previousHash, _expectedPrevious, StringComparison.Ordinal)
            || !string.Equals(hash, AuditChain.Hash(previousHash, content), StringComparison.Ordinal))
        {
            FirstBrokenId = content.Id;
            return false;
        }

        _expectedPrevious = hash;
        return true;
    }
}
