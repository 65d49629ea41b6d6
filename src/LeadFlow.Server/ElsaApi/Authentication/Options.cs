using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.Authentication;

/// <summary>
/// <c>GET v1/ElsaAuthentication/options</c>: how users sign in. LeadFlow keeps the session in a server-issued cookie,
/// Elsa's <c>ServerManagedCookie</c> style, for which the studio's logout menu navigates to
/// <c>v1/ElsaAuthentication/logout</c>.
/// </summary>
internal static class GetAuthenticationOptions
{
    public const string ServerManagedCookie = "ServerManagedCookie";

    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/ElsaAuthentication/options", Handle);

    public static JsonHttpResult<AuthenticationOptionsModel> Handle() =>
        ElsaJson.Ok(new AuthenticationOptionsModel([ServerManagedCookie], CurrentTenantAccessorName: null, TenantAccessorKeyName: null));
}

internal sealed record AuthenticationOptionsModel(IReadOnlyList<string> AuthenticationStyles, string? CurrentTenantAccessorName, string? TenantAccessorKeyName);
