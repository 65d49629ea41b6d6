using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LeadFlow.Migrations.Sqlite;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model for this provider; never used at run time.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LeadFlowDbContext>
{
    public LeadFlowDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<LeadFlowDbContext>();
        options.UseSqlite("Data Source=design-time.db", o => o.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name));
        return new LeadFlowDbContext(options.Options);
    }
}
