using LeadFlow.Core.Accounts;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Consent;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Storage;

public static class StorageRegistration
{
    private const string SqliteMigrations = "LeadFlow.Migrations.Sqlite";
    private const string PostgreSqlMigrations = "LeadFlow.Migrations.PostgreSql";

    /// <summary>The database (provider chosen by <see cref="StorageOptions"/>) and the use cases that write to it.</summary>
    public static IServiceCollection AddLeadFlowCore(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddDbContext<LeadFlowDbContext>((provider, options) =>
        {
            var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            var connectionString = storage.ResolveConnectionString();
            switch (storage.Provider)
            {
                case DatabaseProvider.Sqlite:
                    options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(SqliteMigrations))
                        .AddInterceptors(new SqlitePragmas());
                    break;
                case DatabaseProvider.PostgreSql:
                    options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(PostgreSqlMigrations));
                    break;
            }
        });

        services.AddScoped<DatabaseInitializer>();
        services.AddSingleton<WriteGate>();
        services.AddHostedService<WalCheckpointer>();
        services.AddScoped<ApiKeyStore>();
        services.AddScoped<UserStore>();
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddScoped<UpsertContact>();
        services.AddScoped<UpsertAccount>();
        services.AddScoped<LinkContactAccount>();
        services.AddScoped<RecordConsent>();
        services.AddScoped<IngestInteractions>();
        return services;
    }
}
