using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.Authentication;

/// <summary>
/// <c>GET v1/elsaAuthentication/userinfo</c>: who is signed in. The studio shows the user's name with a logout menu
/// when <c>isAuthenticated</c> is true. Only signed-in users get this far (the group's policy), so it always is.
/// </summary>
internal static class GetUserInfo
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/ElsaAuthentication/userinfo", Handle);

    public static JsonHttpResult<UserInfoModel> Handle(ClaimsPrincipal user) =>
        ElsaJson.Ok(new UserInfoModel(user.Identity?.IsAuthenticated == true, user.Identity?.Name, TenantId: null));
}

internal sealed record UserInfoModel(bool IsAuthenticated, string? Name, string? TenantId);
