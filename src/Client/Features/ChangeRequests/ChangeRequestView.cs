using BackscatterConsole.Shared.ChangeRequests;

namespace BackscatterConsole.Client.Features.ChangeRequests;

/// <summary>Small helpers the change-request pages share.</summary>
public static class ChangeRequestView
{
    public static string Badge(string state) => state switch
    {
        ChangeRequestStates.Applied => "pass",
        ChangeRequestStates.Approved => "active",
        ChangeRequestStates.Rejected or ChangeRequestStates.Failed or ChangeRequestStates.RolledBack => "fail",
        ChangeRequestStates.PartiallyFailed => "warn",
        ChangeRequestStates.Withdrawn => "off",
        _ => "info",
    };
}
