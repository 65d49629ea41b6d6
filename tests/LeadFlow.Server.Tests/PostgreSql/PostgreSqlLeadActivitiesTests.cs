using System.Net;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.PostgreSql;

/// <summary>The lead activities' own SQL on PostgreSQL: Contact Created from ingestion, tags, the owner rotation, Qualify Lead.</summary>
public sealed class PostgreSqlLeadActivitiesTests : IAsyncLifetime
{
    private PostgresDatabase _database = null!;
    private ScoringApp _app = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Contact_Created_tags_owner_rotation_and_Qualify_Lead_work_on_postgresql()
    {
        var client = await _app.Factory.ClientAsync();
        var definitions = _app.Factory.Services.GetRequiredService<WorkflowDefinitionService>();
        await definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "new-contact",
            Activities =
            [
                Activity("created", "ContactCreated"),
                Activity("tag", "AddTag", ("Tag", "Literal", "New")),
                Activity("owner", "AssignOwner", ("Owners", "Json", """["ann@x.test", "bob@x.test"]""")),
                Activity("qualify", "QualifyLead"),
            ],
            Connections = [new("created", "tag", "Done"), new("tag", "owner", "Done"), new("owner", "qualify", "Done")],
        }, publish: true, Ct);

        await (await client.PostAsync("/api/interactions/batch", Http.NdJson(
            """{"eventId":"a1","type":"form_submit","email":"ada@acme.com","asset":"demo-request"}""",
            """{"eventId":"b1","type":"page_view","email":"bob@acme.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        await _app.DrainAsync();

        await using var scope = _app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var contacts = await db.Contacts.AsNoTracking().OrderBy(c => c.Id).Select(c => new { c.Id, c.Email, c.Owner }).ToListAsync(Ct);
        Assert.Equal(["ada@acme.com", "bob@acme.com"], contacts.Select(c => c.Email!).ToArray());
        Assert.Equal(["ann@x.test", "bob@x.test"], contacts.Select(c => c.Owner!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(2, await db.ContactTags.CountAsync(t => t.Tag == "new", Ct));
        var statuses = await db.WorkflowInstances.AsNoTracking().Select(i => i.Status).ToListAsync(Ct);
        Assert.Equal(["Finished", "Finished"], statuses.ToArray());

        var ada = await (await client.GetAsync($"/api/contacts/{contacts[0].Id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("mql", ada["qualification"]!["status"]!.GetValue<string>());
        Assert.Equal(0, await db.WorkflowEventOutbox.CountAsync(Ct));
    }

    private static ActivityDefinition Activity(string id, string type, params (string Name, string Syntax, string Value)[] properties) => new()
    {
        ActivityId = id,
        Type = type,
        Name = id,
        Properties = properties.Select(p => ActivityDefinitionProperty.Of(p.Name, p.Syntax, p.Value)).ToList(),
    };
}
