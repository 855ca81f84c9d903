namespace BackscatterConsole.Domain.Smtp;

/// <summary>
/// The only commands the probe can send. There is deliberately no DATA (nor BDAT, VRFY or EXPN): the probe must never
/// be able to hand a message to the server, so the verb set that reaches the wire is closed here.
/// </summary>
internal enum SmtpVerb
{
    Ehlo,
    Helo,
    StartTls,
    MailFrom,
    RcptTo,
    Rset,
    Quit,
}

/// <summary>Formats probe commands; arguments were validated by <see cref="SmtpProbeOptions.Validate"/>.</summary>
internal static class SmtpCommand
{
    public static string Format(SmtpVerb verb, string? argument = null)
    {
        // A second line of defence after option validation: no argument may carry a line break or angle bracket into the session.
        if (argument is not null && argument.Any(c => char.IsControl(c) || c is '<' or '>'))
        {
            throw new ArgumentException("An SMTP command argument contains a control character or angle bracket.", nameof(argument));
        }

        return verb switch
        {
            SmtpVerb.Ehlo => "EHLO " + Require(argument),
            SmtpVerb.Helo => "HELO " + Require(argument),
            SmtpVerb.StartTls => "STARTTLS",
            SmtpVerb.MailFrom => "MAIL FROM:<" + Require(argument) + ">",
            SmtpVerb.RcptTo => "RCPT TO:<" + Require(argument) + ">",
            SmtpVerb.Rset => "RSET",
            SmtpVerb.Quit => "QUIT",
            _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, "Not a probe command."),
        };
    }

    private static string Require(string? argument) =>
        string.IsNullOrEmpty(argument) ? throw new ArgumentException("The command needs an argument.", nameof(argument)) : argument;
}
