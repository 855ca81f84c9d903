using BackscatterConsole.Domain.Remediation;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Domain.Tests.Settings;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Remediation;

public sealed class RemediationPlannerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<MtaRuleResult> PostfixWeak() =>
        MtaRules.Evaluate(PostconfParser.ParseSnapshot(Samples.Read("postconf-n-weak.txt"), Samples.Read("postconf-P-weak.txt"), At).Value!);

    [Fact]
    public void Plan_PostfixUnknownRecipientFailure_BecomesPostconfSets()
    {
        var results = PostfixWeak();
        var failing = results.Where(r => r.Check.Status == CheckStatus.Fail && r.Commands.Any(c => c.Arguments[0] == "postconf")).Select(r => r.Check.Id).ToList();
        Assert.NotEmpty(failing);

        var plan = RemediationPlanner.Plan(results, failing);

        Assert.NotEmpty(plan.Changes);
        Assert.All(plan.Changes, c => Assert.Equal(SettingOperation.Set, c.Change.Operation));
        Assert.All(plan.Changes.Where(c => c.Command.Arguments[1] == "-e"), c => Assert.Contains($"{c.Change.Name}={c.Change.Value}", c.Command.Display, StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Changes, c => c.Change.Name == "reload");
    }

    [Fact]
    public void Plan_PassingOrUnrequestedChecks_AreNotPlanned()
    {
        var results = PostfixWeak();
        var passing = results.Where(r => r.Check.Status == CheckStatus.Pass).Select(r => r.Check.Id).ToList();

        Assert.Empty(RemediationPlanner.Plan(results, passing).Changes);
        Assert.Empty(RemediationPlanner.Plan(results, []).Changes);
    }

    [Fact]
    public void Plan_CarbonioPolicyd_KeepsTheTwoWordValueAsOneAndUsesAddForMultiValued()
    {
        var snapshot = ZimbraConfigParser.ParseSnapshot(Samples.Read("carbonio-gcf-default.txt"), MtaPlatform.Carbonio, At).Value!;
        var results = MtaRules.Evaluate(snapshot);

        var plan = RemediationPlanner.Plan(results, ["mta.policyd", "mta.verify-defer-code"]);

        Assert.Contains(plan.Changes, c => c.Change == new SettingChange("zimbraMtaEnableSmtpdPolicyd", SettingOperation.Set, "TRUE"));
        Assert.Contains(plan.Changes, c => c.Change == new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "check_policy_service unix:private/policy"));
        Assert.Contains(plan.Changes, c => c.Change == new SettingChange("zimbraMtaUnverifiedRecipientDeferCode", SettingOperation.Set, "450"));
    }

    [Fact]
    public void Plan_CommandItCannotTranslate_StaysManual()
    {
        var check = new CheckResult("mta.bounce-hygiene", CheckStatus.Warn, CheckSeverity.Low, "t", "s", "e", [], "r");
        var result = new MtaRuleResult(check, [RemediationCommand.Of("postconf", "-PX", "smtp/inet/soft_bounce"), RemediationCommand.Of("postconf", "-X", "no_such_parameter"), RemediationCommand.Of("postconf", "-e", "soft_bounce=no")], ["Check the queue."]);

        var plan = RemediationPlanner.Plan([result], ["mta.bounce-hygiene"]);

        Assert.Equal([new SettingChange("soft_bounce", SettingOperation.Set, "no")], plan.Changes.Select(c => c.Change));
        Assert.Equal(3, plan.ManualSteps.Count);
        Assert.Contains("postconf -PX smtp/inet/soft_bounce", plan.ManualSteps[0].Step, StringComparison.Ordinal);
        Assert.False(plan.FullyAutomated);
    }

    [Fact]
    public void Plan_ResetAndOverride_BecomeSetsTheConnectorCanApply()
    {
        var check = new CheckResult("smtp.unknown-recipient", CheckStatus.Fail, CheckSeverity.High, "t", "s", "e", [], "r");
        var result = new MtaRuleResult(check, [RemediationCommand.Of("postconf", "-X", "local_recipient_maps"), RemediationCommand.Of("postconf", "-P", "smtp/inet/smtpd_reject_unlisted_recipient=yes"), RemediationCommand.Of("postfix", "reload")], []);

        var plan = RemediationPlanner.Plan([result], ["smtp.unknown-recipient"]);

        Assert.True(plan.FullyAutomated);
        Assert.Equal(
            [new SettingChange("local_recipient_maps", SettingOperation.Set, "proxy:unix:passwd.byname $alias_maps"), new SettingChange("smtp/inet/smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes")],
            plan.Changes.Select(c => c.Change));
    }

    [Fact]
    public void Plan_ZmprovOddArguments_IsNotTranslated()
    {
        var check = new CheckResult("mta.policyd", CheckStatus.Warn, CheckSeverity.Low, "t", "s", "e", [], "r");
        var result = new MtaRuleResult(check, [RemediationCommand.Of("zmprov", "mcf", "zimbraMtaRestriction")], []);

        var plan = RemediationPlanner.Plan([result], ["mta.policyd"]);

        Assert.Empty(plan.Changes);
        Assert.Single(plan.ManualSteps);
    }
}
