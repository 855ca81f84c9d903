namespace BackscatterConsole.Client.Portal;

/// <summary>
/// Facts about the browser behind this circuit that only the initial HTTP request knew. <c>App</c> passes them to
/// <c>Routes</c> as root-component parameters (protected by the server's data protection, so the browser cannot alter
/// them), and <c>Routes</c> stores them here.
/// </summary>
public sealed class PortalCircuit
{
    /// <summary>The client's address as the server saw it when the page was requested; recorded in the audit trail.</summary>
    public string? ClientAddress { get; set; }
}
