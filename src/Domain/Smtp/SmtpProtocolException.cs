namespace BackscatterConsole.Domain.Smtp;

/// <summary>Ends a probe session for a protocol-level reason; the probe turns it into a <see cref="SmtpProbeFailure"/>.</summary>
internal sealed class SmtpProtocolException : Exception
{
    public SmtpProtocolException(SmtpProbeFailureKind kind, string message, SmtpReply? reply = null)
        : base(message)
    {
        Kind = kind;
        Reply = reply;
    }

    public SmtpProbeFailureKind Kind { get; }

    public SmtpReply? Reply { get; }
}
