using System.Text;
using LeadFlow.Core.Accounts;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Consent;
using LeadFlow.Core.Email;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Grading;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Users;
using LeadFlow.Core.Workflows;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Qualification;
using LeadFlow.Core.Scoring;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Storage;

public sealed class LeadFlowDbContext(DbContextOptions<LeadFlowDbContext> options) : DbContext(options)
{
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<ContactAccountLink> ContactAccounts => Set<ContactAccountLink>();
    public DbSet<ContactTag> ContactTags => Set<ContactTag>();
    public DbSet<OwnerRotation> OwnerRotations => Set<OwnerRotation>();
    public DbSet<Interaction> Interactions => Set<Interaction>();
    public DbSet<InboxEntry> Inbox => Set<InboxEntry>();
    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<User> Users => Set<User>();
    public DbSet<ScoreLedgerEntry> ScoreLedger => Set<ScoreLedgerEntry>();
    public DbSet<RuleSetVersion> RuleSetVersions => Set<RuleSetVersion>();
    public DbSet<ContactScore> ContactScores => Set<ContactScore>();
    public DbSet<ContactGrade> ContactGrades => Set<ContactGrade>();
    public DbSet<ContactQualification> ContactQualifications => Set<ContactQualification>();
    public DbSet<SalesFacts> SalesFacts => Set<SalesFacts>();
    public DbSet<ProfileChange> ProfileChanges => Set<ProfileChange>();
    public DbSet<ScoringRevision> ScoringRevisions => Set<ScoringRevision>();
    public DbSet<RescoreJob> RescoreJobs => Set<RescoreJob>();
    public DbSet<WorkflowDefinitionRow> WorkflowDefinitions => Set<WorkflowDefinitionRow>();
    public DbSet<WorkflowTriggerRow> WorkflowTriggers => Set<WorkflowTriggerRow>();
    public DbSet<WorkflowInstanceRow> WorkflowInstances => Set<WorkflowInstanceRow>();
    public DbSet<WorkflowBookmarkRow> WorkflowBookmarks => Set<WorkflowBookmarkRow>();
    public DbSet<WorkflowJournalRow> WorkflowJournal => Set<WorkflowJournalRow>();
    public DbSet<WorkflowEventOutboxRow> WorkflowEventOutbox => Set<WorkflowEventOutboxRow>();
    public DbSet<EmailMessage> EmailMessages => Set<EmailMessage>();
    public DbSet<AppSecret> AppSecrets => Set<AppSecret>();
    public DbSet<LeadFlow.Core.Crm.CrmDelivery> CrmDeliveries => Set<LeadFlow.Core.Crm.CrmDelivery>();
    public DbSet<LeadFlow.Core.Transfers.TransferDefinition> Transfers => Set<LeadFlow.Core.Transfers.TransferDefinition>();
    public DbSet<LeadFlow.Core.Transfers.TransferRun> TransferRuns => Set<LeadFlow.Core.Transfers.TransferRun>();
    public DbSet<LeadFlow.Core.Transfers.TransferRunItem> TransferRunItems => Set<LeadFlow.Core.Transfers.TransferRunItem>();
    public DbSet<WorkflowTimerTriggerRow> WorkflowTimerTriggers => Set<WorkflowTimerTriggerRow>();
    public DbSet<ContactStageChange> ContactStageChanges => Set<ContactStageChange>();
    public DbSet<SalesFeedback> SalesFeedback => Set<SalesFeedback>();

    public bool IsSqlite => Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(LeadFlowDbContext).Assembly);
        InteractionConfiguration.IndexEventKey(modelBuilder.Entity<Interaction>(), IsSqlite);
        UseSnakeCaseNames(modelBuilder);
    }

    /// <summary>
    /// Tables and columns get lower snake_case names on every provider, so the few hand-written SQL statements
    /// (the ingestion hot path) are the same text on SQLite and PostgreSQL, and PostgreSQL needs no quoting.
    /// </summary>
    private static void UseSnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            entity.SetTableName(entity.GetTableName() is { } table ? ToSnakeCase(table) : null);
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.GetColumnName()));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    builder.Append('_');
                }
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
