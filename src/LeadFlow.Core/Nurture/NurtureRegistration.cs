using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Nurture;

public static class NurtureRegistration
{
    /// <summary>What Nurture Stage needs besides email sending: the progress it records for the nurture report.</summary>
    public static IServiceCollection AddLeadFlowNurture(this IServiceCollection services) => services.AddScoped<NurtureProgress>();
}
