using System.Security.Claims;
using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Server.Access;

/// <summary>
/// The actor of a service scope: what the portal sets before it calls a service from an interactive component, and
/// otherwise the HTTP request's user and peer address.
/// </summary>
internal sealed class OperationActor(IHttpContextAccessor http) : IOperationActor
{
    private ClaimsPrincipal? _user;
    private string? _clientAddress;
    private bool _set;

    public ClaimsPrincipal? User => _set ? _user : http.HttpContext?.User;

    public string? ClientAddress => _set ? _clientAddress : http.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public void Use(ClaimsPrincipal user, string? clientAddress)
    {
        _user = user;
        _clientAddress = clientAddress;
        _set = true;
    }
}
