using LeadFlow.Core.ApiKeys;

namespace LeadFlow.Server.Auth;

/// <summary>Who may do what on <c>/api</c>: reading needs any key, writing an integrator or admin key.</summary>
internal static class Policies
{
    public const string Read = "api:read";
    public const string Write = "api:write";
    public const string Admin = "api:admin";

    public static IServiceCollection AddLeadFlowAuth(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Read, p => p.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(ApiKeyRoles.All))
            .AddPolicy(Write, p => p.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(ApiKeyRoles.Admin, ApiKeyRoles.Integrator))
            .AddPolicy(Admin, p => p.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(ApiKeyRoles.Admin));
        return services;
    }
}
