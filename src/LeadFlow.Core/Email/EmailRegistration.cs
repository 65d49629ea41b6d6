using System.Text.Json;
using LeadFlow.Workflows.Activities;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Email;

public static class EmailRegistration
{
    /// <summary>Templated email with consent checks, SMTP or pickup-folder delivery, and open/click/unsubscribe tracking.</summary>
    public static IServiceCollection AddLeadFlowEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EmailTemplates>();
        services.AddSingleton<EmailLinks>();
        services.AddSingleton<IEmailTransport, EmailTransport>();
        services.AddScoped<EmailSender>();
        services.AddScoped<EmailTracking>();
        services.AddSingleton<ISelectListProvider, EmailTemplateNames>();
        return services;
    }
}

/// <summary><see cref="SelectListProviders.EmailTemplates"/>: the template names, for Send Email's dropdown.</summary>
internal sealed class EmailTemplateNames(EmailTemplates templates) : ISelectListProvider
{
    public string Name => SelectListProviders.EmailTemplates;

    public ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<SelectListOption>>(templates.Names().Select(n => new SelectListOption(n, n)).ToList());
}
