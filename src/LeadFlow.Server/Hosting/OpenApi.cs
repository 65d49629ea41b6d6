using LeadFlow.Server.Auth;
using Microsoft.OpenApi;

namespace LeadFlow.Server.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> and its interactive reference at <c>/api-docs</c> (Swagger UI,
/// served from the package itself: the page loads nothing from the internet). Both are open, like <c>/health</c>.
/// </summary>
internal static class OpenApi
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddLeadFlowOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "LeadFlow integrator API",
                Version = "v1",
                Description = $"Contacts, accounts, interactions and consent. Every /api endpoint needs an API key in the {ApiKeyAuthentication.Header} header.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyAuthentication.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthentication.Header,
                Description = "An API key: create one with `leadflow keys create --role integrator`.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.SchemeName, document)] = [] });
            return Task.CompletedTask;
        }));

    public static void MapLeadFlowOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath);
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "api-docs";
            ui.SwaggerEndpoint(DocumentPath, "LeadFlow API v1");
            ui.DocumentTitle = "LeadFlow API";
        });
    }
}
