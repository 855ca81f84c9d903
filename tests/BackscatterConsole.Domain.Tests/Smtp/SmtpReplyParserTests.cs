using BackscatterConsole.Domain.Smtp;

namespace BackscatterConsole.Domain.Tests.Smtp;

public sealed class SmtpReplyParserTests
{
    [Fact]
    public void TryParse_PostfixEhloReply_ReturnsAllLines()
    {
        string[] lines =
        [
            "250-mail.example.org",
            "250-PIPELINING",
            "250-SIZE 10240000",
            "250-VRFY",
            "250-ETRN",
            "250-STARTTLS",
            "250-ENHANCEDSTATUSCODES",
            "250-8BITMIME",
            "250-DSN",
            "250-SMTPUTF8",
            "250 CHUNKING",
        ];

        Assert.True(SmtpReplyParser.TryParse(lines, out var reply, out var error), error);
        Assert.Equal(250, reply!.Code);
        Assert.Equal(11, reply.Lines.Count);
        Assert.Equal("STARTTLS", reply.Lines[5]);
        Assert.Null(reply.EnhancedCode);
    }

    [Theory]
    [InlineData("550 5.1.1 <a1b2@example.org>: Recipient address rejected: User unknown in local recipient table", 550, "5.1.1")]
    [InlineData("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", 550, "5.1.10")]
    [InlineData("450 4.2.0 <x@example.org>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/", 450, "4.2.0")]
    [InlineData("554 5.7.1 <x@example.com>: Relay access denied", 554, "5.7.1")]
    [InlineData("250 2.1.5 Ok", 250, "2.1.5")]
    [InlineData("250 Ok", 250, null)]
    [InlineData("550 4.1.1 class does not match the code", 550, null)]
    [InlineData("421", 421, null)]
    public void TryParse_SingleLineReply_ReturnsCodeAndEnhancedCode(string line, int code, string? enhanced)
    {
        Assert.True(SmtpReplyParser.TryParse([line], out var reply, out var error), error);
        Assert.Equal(code, reply!.Code);
        Assert.Equal(enhanced, reply.EnhancedCode);
    }

    [Fact]
    public void TryParse_GmailMultiLineRejection_JoinsText()
    {
        string[] lines =
        [
            "550-5.1.1 The email account that you tried to reach does not exist. Please try",
            "550-5.1.1 double-checking the recipient's email address for typos or",
            "550-5.1.1 unnecessary spaces. For more information, go to",
            "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123456wrs.42 - gsmtp",
        ];

        Assert.True(SmtpReplyParser.TryParse(lines, out var reply, out _));
        Assert.Equal("5.1.1", reply!.EnhancedCode);
        Assert.True(reply.IsPermanentNegative);
        Assert.Contains("does not exist", reply.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2p1 Debian-2")]
    [InlineData("HTTP/1.1 400 Bad Request")]
    [InlineData("")]
    [InlineData("25")]
    [InlineData("2500 too many digits")]
    [InlineData("650 first digit out of range")]
    [InlineData("260 second digit out of range")]
    [InlineData("250_underscore separator")]
    [InlineData("* OK IMAP4rev1 ready")]
    public void TryParseLine_NotAReplyLine_ReturnsFalse(string line) =>
        Assert.False(SmtpReplyParser.TryParseLine(line, out _));

    [Fact]
    public void TryParse_CodeChangesWithinReply_Fails()
    {
        Assert.False(SmtpReplyParser.TryParse(["250-first", "550 second"], out _, out var error));
        Assert.Contains("changed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_EndsWithContinuationLine_Fails() =>
        Assert.False(SmtpReplyParser.TryParse(["250-first", "250-second"], out _, out _));

    [Fact]
    public void TryParse_LinesAfterLastLine_Fails() =>
        Assert.False(SmtpReplyParser.TryParse(["250 done", "250 extra"], out _, out _));

    [Fact]
    public void Add_MoreLinesThanAllowed_ReportsTooManyLines()
    {
        var accumulator = new SmtpReplyAccumulator(maxLines: 5);
        var state = SmtpReplyAccumulatorState.NeedMore;
        for (var i = 0; i < 10 && state == SmtpReplyAccumulatorState.NeedMore; i++)
        {
            state = accumulator.Add("250-again");
        }

        Assert.Equal(SmtpReplyAccumulatorState.TooManyLines, state);
        Assert.Equal(5, accumulator.LineCount);
    }

    [Fact]
    public void ToString_MultiLineReply_ShowsCodeAndText()
    {
        Assert.True(SmtpReplyParser.TryParse(["451-4.3.0 first", "451 4.3.0 second"], out var reply, out _));
        Assert.Equal("451 4.3.0 first 4.3.0 second", reply!.ToString());
        Assert.True(reply.IsTransientNegative);
    }
}
