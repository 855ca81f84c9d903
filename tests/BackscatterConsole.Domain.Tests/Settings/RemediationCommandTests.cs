using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

public sealed class RemediationCommandTests
{
    [Theory]
    [InlineData("postconf", "postconf")]
    [InlineData("smtpd_reject_unlisted_recipient=yes", "smtpd_reject_unlisted_recipient=yes")]
    [InlineData("+zimbraMtaRestriction", "+zimbraMtaRestriction")]
    [InlineData("check_policy_service unix:private/policy", "'check_policy_service unix:private/policy'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$alias_maps", "'$alias_maps'")]
    public void QuoteForShell_Argument_QuotesOnlyWhenNeeded(string argument, string expected) =>
        Assert.Equal(expected, RemediationCommand.QuoteForShell(argument));

    [Fact]
    public void Display_TwoWordValue_StaysOneArgument()
    {
        var command = RemediationCommand.Of("carbonio", "prov", "mcf", "+zimbraMtaRestriction", "check_policy_service unix:private/policy");

        Assert.Equal(5, command.Arguments.Count);
        Assert.Equal("carbonio prov mcf +zimbraMtaRestriction 'check_policy_service unix:private/policy'", command.Display);
    }
}
