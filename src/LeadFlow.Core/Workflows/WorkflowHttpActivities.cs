using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// The HTTP activities: HTTP Endpoint and HTTP Response (answered through the <see cref="HttpResponseChannel"/> the
/// server opens per request under <c>/workflows</c>), and Send HTTP Request with a named client from
/// <see cref="IHttpClientFactory"/> (timeout, allowed hosts and response size from <see cref="WorkflowHttpRequestOptions"/>).
/// </summary>
public static class WorkflowHttpActivities
{
    internal static IServiceCollection AddWorkflowHttp(this IServiceCollection services)
    {
        services.AddOptions<WorkflowsOptions>().Validate(
            o => o.HttpRequests.Timeout >= TimeSpan.FromSeconds(1) && o.HttpRequests.Timeout <= TimeSpan.FromMinutes(10) && o.HttpRequests.MaxResponseContentBytes > 0,
            "Workflows:HttpRequests: Timeout is 00:00:01 to 00:10:00 and MaxResponseContentBytes is positive.");
        services.AddSingleton<HttpResponseChannel>();
        services.AddHttpClient(SendHttpRequest.ClientName)
            .ConfigureHttpClient((provider, client) => client.Timeout = provider.GetRequiredService<IOptions<WorkflowsOptions>>().Value.HttpRequests.Timeout)
            // With an allow-list, a redirect must not lead elsewhere: the 3xx becomes the outcome instead.
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = provider.GetRequiredService<IOptions<WorkflowsOptions>>().Value.HttpRequests.AllowedHosts.Count == 0,
            });
        return services;
    }

    /// <summary>Adds HTTP Endpoint, HTTP Response and Send HTTP Request to <paramref name="registry"/>.</summary>
    public static ActivityRegistry AddHttpActivities(this ActivityRegistry registry, IServiceProvider provider)
    {
        var channel = provider.GetRequiredService<HttpResponseChannel>();
        var clients = provider.GetRequiredService<IHttpClientFactory>();
        var options = provider.GetRequiredService<IOptions<WorkflowsOptions>>().Value.HttpRequests;
        var policy = new OutboundHttpPolicy { AllowedHosts = options.AllowedHosts.ToList(), MaxResponseContentBytes = options.MaxResponseContentBytes };
        return registry.Add<HttpEndpoint>()
            .Add(() => new WriteHttpResponse(channel))
            .Add(() => new SendHttpRequest(() => clients.CreateClient(SendHttpRequest.ClientName), policy));
    }
}
