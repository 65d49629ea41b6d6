using System.Globalization;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Workflows;

/// <summary>The lead activities on SQLite, with the tests' rule set and the real processor.</summary>
public sealed class LeadActivitiesTests : ScoringTest
{
    private WorkflowTestHost _host = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _host = new WorkflowTestHost(Database, services =>
        {
            services.AddSingleton(Rules.Host);
            services.AddSingleton(Versions);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Add_and_Remove_Tag_keep_a_set_ignoring_case_expressions_see_the_tags_and_the_contact_is_queued_for_grading()
    {
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "ada@acme.test" });
        await DrainAsync();
        var instance = await RunAsync(contactId,
            [
                Activity("add", "AddTag", ("Tag", "Literal", " VIP "), ("Tags", "Json", """["hot", "Hot", "cold"]""")),
                Activity("remove", "RemoveTag", ("Tag", "JavaScript", "'COLD'"), ("Tags", "Json", """["never-had"]""")),
                Activity("seen", "SetVariable", ("VariableName", "Literal", "seen"), ("Value", "JavaScript", "contact.tags.join(',')")),
            ],
            [new("add", "remove", "Done"), new("remove", "seen", "Done")]);

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["hot", "vip"], await DbAsync(db => ContactTags.OfAsync(db, contactId, Ct)));
        Assert.Equal("hot,vip", instance.Variables["seen"]);
        Assert.Equal(["vip", "hot", "cold"], Strings(instance.ActivityData["add"]["Added"]));
        Assert.Equal(["cold"], Strings(instance.ActivityData["remove"]["Removed"]));
        Assert.Equal(2, await DbAsync(db => db.ProfileChanges.CountAsync(p => p.ContactId == contactId, Ct)));
    }

    [Fact]
    public async Task Set_Contact_Field_updates_the_profile_and_the_processor_grades_the_contact_again()
    {
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "bob@acme.test", JobTitle = "Engineer" });
        await DrainAsync();
        Assert.Equal("F", await DbAsync(db => db.ContactGrades.Where(g => g.ContactId == contactId).Select(g => g.Grade).SingleAsync(Ct)));

        var instance = await RunAsync(contactId,
            [
                Activity("title", "SetContactField", ("Field", "Literal", "jobTitle"), ("Value", "JavaScript", "'VP ' + 'Sales'")),
                Activity("seniority", "SetContactField", ("Field", "Literal", "seniority"), ("Value", "Liquid", "vp")),
                Activity("plan", "SetContactField", ("Field", "Literal", "custom.plan"), ("Value", "Literal", "pro")),
                Activity("name", "SetContactField", ("Field", "Literal", "name"), ("Value", "Literal", "Bob  van Dyke")),
            ],
            [new("title", "seniority", "Done"), new("seniority", "plan", "Done"), new("plan", "name", "Done")]);

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal("Engineer", instance.ActivityData["title"]["Previous"]);
        Assert.Equal("VP Sales", instance.ActivityData["title"]["Output"]);
        var contact = await DbAsync(db => db.Contacts.SingleAsync(c => c.Id == contactId, Ct));
        Assert.Equal(("VP Sales", "vp", "pro", "Bob", "van Dyke"), (contact.JobTitle, contact.Seniority, contact.CustomFields["plan"], contact.FirstName, contact.LastName));

        await DrainAsync();
        Assert.Equal("B", await DbAsync(db => db.ContactGrades.Where(g => g.ContactId == contactId).Select(g => g.Grade).SingleAsync(Ct)));
    }

    [Fact]
    public async Task Set_Contact_Field_faults_with_a_clear_message_for_an_unknown_field_or_a_contact_that_does_not_exist()
    {
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "eve@acme.test" });
        var unknown = await RunAsync(contactId, [Activity("set", "SetContactField", ("Field", "Literal", "email"), ("Value", "Literal", "x@y.test"))], []);
        Assert.Equal(WorkflowStatus.Faulted, unknown.Status);
        Assert.Contains("Unknown contact field 'email'", Assert.Single(unknown.Faults).Message, StringComparison.Ordinal);

        var missing = await RunAsync(contactId + 1000, [Activity("set", "SetContactField", ("Field", "Literal", "country"), ("Value", "Literal", "DE"))], []);
        Assert.Equal(WorkflowStatus.Faulted, missing.Status);
        Assert.Contains($"Contact {contactId + 1000} does not exist", Assert.Single(missing.Faults).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assign_Owner_takes_the_owners_in_turn_and_can_keep_an_existing_owner()
    {
        var ids = new List<long>();
        foreach (var email in new[] { "a@x.test", "b@x.test", "c@x.test" })
        {
            ids.Add(await UpsertContactAsync(new ContactChanges { Email = email }));
        }
        await UpsertContactAsync(new ContactChanges { Owner = "kept@x.test" }, ids[2]);
        var definition = await _host.Definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "assign",
            Activities = [Activity("assign", "AssignOwner", ("Owners", "Json", """["ann@x.test", "bob@x.test"]"""), ("OnlyIfUnassigned", "Literal", "true"))],
        }, publish: true, Ct);

        foreach (var id in ids)
        {
            await _host.Engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(CorrelationId: Id(id)), Ct);
        }
        var again = await RunAsync(ids[0], [Activity("direct", "AssignOwner", ("Owner", "JavaScript", "'carol@x.test'"))], []);

        var owners = await DbAsync(db => db.Contacts.OrderBy(c => c.Id).Select(c => c.Owner).ToListAsync(Ct));
        Assert.Equal(["carol@x.test", "bob@x.test", "kept@x.test"], owners);
        Assert.Equal("ann@x.test", again.ActivityData["direct"]["Previous"]);
    }

    [Fact]
    public async Task Run_Rules_takes_the_success_events_of_the_matching_rules_or_None_and_refuses_outcomes_the_file_does_not_have()
    {
        var hot = await IngestContactAsync("hot@acme.test", Event("hot@acme.test", "form_submit", asset: "demo-request"));
        var cold = await UpsertContactAsync(new ContactChanges { Email = "cold@acme.test" });
        await DrainAsync();
        ActivityDefinition[] activities =
        [
            Activity("rules", "RunRules", ("RuleFile", "Literal", "qualification/lifecycle.json"), ("Outcomes", "Json", """["mql-demo-request", "sql-bant"]""")),
            Activity("demo", "SetVariable", ("VariableName", "Literal", "branch"), ("Value", "Literal", "demo")),
            Activity("none", "SetVariable", ("VariableName", "Literal", "branch"), ("Value", "Literal", "none")),
        ];
        ConnectionDefinition[] connections = [new("rules", "demo", "mql-demo-request"), new("rules", "none", "None")];

        var matched = await RunAsync(hot, activities, connections);
        Assert.Equal("demo", matched.Variables["branch"]);
        Assert.Equal(["mql-demo-request"], Strings(matched.ActivityData["rules"]["MatchedRules"]));
        var quiet = await RunAsync(cold, activities, connections);
        Assert.Equal("none", quiet.Variables["branch"]);

        var wrong = await RunAsync(hot, [Activity("rules", "RunRules", ("RuleFile", "Literal", "lifecycle"), ("Outcomes", "Json", """["mql-demo-request", "nope"]"""))], []);
        Assert.Equal(WorkflowStatus.Faulted, wrong.Status);
        Assert.Contains("'nope' are not success events of lifecycle", Assert.Single(wrong.Faults).Message, StringComparison.Ordinal);
        var missing = await RunAsync(hot, [Activity("rules", "RunRules", ("RuleFile", "Literal", "qualification/absent.json"))], []);
        Assert.Contains("No rule file or workflow named 'qualification/absent.json'", Assert.Single(missing.Faults).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qualify_Lead_records_the_qualification_as_the_processor_does_and_raises_Qualified_only_on_a_change()
    {
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "dan@acme.test" });
        await DrainAsync();
        await _host.Definitions.SaveAsync(new WorkflowDefinition { Name = "on-sql", Activities = [Activity("qualified", "Qualified", ("Status", "Literal", "SQL"))] }, publish: true, Ct);
        // Sales facts saved, the processor not run yet: Qualify Lead sees them now.
        await SaveSalesFactsAsync(contactId, new Dictionary<string, string?> { ["budget"] = "approved", ["authority"] = "yes" });
        ActivityDefinition[] activities =
        [
            Activity("qualify", "QualifyLead"),
            Activity("sql", "SetVariable", ("VariableName", "Literal", "branch"), ("Value", "Literal", "sql")),
            Activity("other", "SetVariable", ("VariableName", "Literal", "branch"), ("Value", "Literal", "other")),
        ];
        ConnectionDefinition[] connections = [new("qualify", "sql", "SQL"), new("qualify", "other", "MQL"), new("qualify", "other", "Not Qualified")];

        var first = await RunAsync(contactId, activities, connections);
        Assert.Equal("sql", first.Variables["branch"]);
        Assert.Equal(("sql", "not_qualified"), (first.ActivityData["qualify"]["Status"], first.ActivityData["qualify"]["Previous"]));
        var explained = await ExplainAsync(contactId);
        Assert.Equal(("sql", "sql-bant"), (explained.Qualification!.Status, explained.Qualification.Rule));
        var started = await WaitForInstancesAsync("on-sql", 1);

        var second = await RunAsync(contactId, activities, connections);
        Assert.Equal("sql", second.Variables["branch"]);
        Assert.Equal("sql", second.ActivityData["qualify"]["Previous"]);
        await DrainAsync();
        Assert.Equal(started, await WaitForInstancesAsync("on-sql", 1));
        Assert.Equal(0, await DbAsync(db => db.WorkflowEventOutbox.CountAsync(Ct)));
    }

    [Fact]
    public async Task Contact_Created_starts_workflows_for_contacts_created_by_ingestion_or_the_api_only_while_a_trigger_is_published()
    {
        await IngestContactAsync("before@acme.test", Event("before@acme.test", "page_view"));
        Assert.Equal(0, await DbAsync(db => db.WorkflowEventOutbox.CountAsync(Ct)));

        await _host.Definitions.SaveAsync(new WorkflowDefinition { Name = "welcome-new", Activities = [Activity("created", "ContactCreated")] }, publish: true, Ct);
        await IngestAsync(Event("new1@acme.test", "page_view"), Event("new2@acme.test", "page_view"), Event("before@acme.test", "page_view"), Event("new1@acme.test", "email_open"));
        var apiContact = await UpsertContactAsync(new ContactChanges { Email = "api@acme.test" });
        await UpsertContactAsync(new ContactChanges { JobTitle = "CEO" }, apiContact);
        var rows = await DbAsync(db => db.WorkflowEventOutbox.OrderBy(o => o.Id).Select(o => new { o.ContactId, o.Value }).ToListAsync(Ct));
        Assert.Equal(["ingestion", "ingestion", "api"], rows.Select(r => r.Value ?? "").ToArray());

        await DrainWithWorkflowsAsync();
        var instances = await DbAsync(db => db.WorkflowInstances.Where(i => i.CorrelationId != null).Select(i => i.CorrelationId!).ToListAsync(Ct));
        var expected = new[] { await ContactIdAsync("new1@acme.test"), await ContactIdAsync("new2@acme.test"), apiContact }.Select(Id).Order(StringComparer.Ordinal);
        Assert.Equal(expected, instances.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Score_Threshold_Crossed_fires_once_per_crossing_in_its_direction_as_trigger_and_as_wait()
    {
        await _host.Definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "up-30",
            Activities = [Activity("crossed", "ScoreThresholdCrossed", ("Model", "Literal", TestRules.Model), ("Threshold", "Literal", "30"), ("Direction", "Literal", "Up"))],
        }, publish: true, Ct);
        await _host.Definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "down-30",
            Activities = [Activity("crossed", "ScoreThresholdCrossed", ("Model", "Literal", TestRules.Model), ("Threshold", "Literal", "30"), ("Direction", "Literal", "Down"))],
        }, publish: true, Ct);
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "fay@acme.test" });
        await DrainWithWorkflowsAsync();
        var waiting = await RunAsync(contactId,
            [
                Activity("wait", "ScoreThresholdCrossed", ("Model", "Literal", TestRules.Model), ("Threshold", "Literal", "5"), ("Direction", "Literal", "Either")),
                Activity("after", "SetVariable", ("VariableName", "Literal", "score"), ("Value", "JavaScript", "input.score")),
            ],
            [new("wait", "after", "Done")]);
        Assert.Equal(WorkflowStatus.Suspended, waiting.Status);

        await IngestAsync(Event("fay@acme.test", "form_submit", asset: "demo-request"));   // 0 -> 30: up 5, up 30
        await DrainWithWorkflowsAsync();
        await IngestAsync(Event("fay@acme.test", "page_view"));                            // 30 -> 31: nothing
        await DrainWithWorkflowsAsync();
        Assert.Equal(1, await InstancesOfAsync("up-30"));
        Assert.Equal(0, await InstancesOfAsync("down-30"));
        var resumed = (await _host.Instances.FindAsync(waiting.Id, Ct))!;
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        Assert.Equal(30.0, Convert.ToDouble(resumed.Variables["score"], CultureInfo.InvariantCulture), 3);

        await IngestAsync(Event("fay@acme.test", "unsubscribe"));                          // 31 -> 11: down 30
        await DrainWithWorkflowsAsync();
        await IngestAsync(Event("fay@acme.test", "form_submit", asset: "demo-request"));   // 11 -> 41: up 30 again
        await DrainWithWorkflowsAsync();
        Assert.Equal(2, await InstancesOfAsync("up-30"));
        Assert.Equal(1, await InstancesOfAsync("down-30"));
        Assert.Equal(0, await DbAsync(db => db.WorkflowEventOutbox.CountAsync(Ct)));
    }

    [Fact]
    public async Task Another_node_learns_the_thresholds_of_stored_triggers_and_bookmarks_from_the_database()
    {
        await _host.Definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "up-40",
            Activities = [Activity("crossed", "ScoreThresholdCrossed", ("Model", "Literal", TestRules.Model), ("Threshold", "Literal", "40"))],
        }, publish: true, Ct);
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "ian@acme.test" });
        var waiting = await RunAsync(contactId, [Activity("wait", "ScoreThresholdCrossed", ("Model", "Literal", TestRules.Model), ("Threshold", "Literal", "7.5"))], []);
        Assert.Equal(WorkflowStatus.Suspended, waiting.Status);

        await using var other = new WorkflowTestHost(Database);
        var watch = other.Services.GetRequiredService<ScoreThresholdWatch>();
        Assert.True(watch.IsEmpty);
        await other.StartHostedServicesAsync();   // the outbox catch-up reads the stored thresholds
        Assert.Equal([7.5, 40.0], watch.ThresholdsOf(TestRules.Model).Order());
    }

    [Fact]
    public async Task The_select_lists_name_tags_in_use_runnable_rule_files_and_scoring_models()
    {
        var contactId = await UpsertContactAsync(new ContactChanges { Email = "gil@acme.test", Tags = ["Beta", "alpha", " beta "] });
        await UpsertContactAsync(new ContactChanges { Email = "hal@acme.test", Tags = ["gamma"] });
        await UpsertContactAsync(new ContactChanges { Tags = ["alpha"] }, contactId);
        var providers = _host.Services.GetServices<LeadFlow.Workflows.Activities.ISelectListProvider>().ToDictionary(p => p.Name);

        var tags = await providers[LeadFlow.Workflows.Activities.SelectListProviders.Tags].ListAsync(null, Ct);
        Assert.Equal(["alpha", "gamma"], tags.Select(t => t.Value).ToArray());
        var files = await providers[LeadFlow.Workflows.Activities.SelectListProviders.RuleFiles].ListAsync(null, Ct);
        Assert.Equal(["grading/fit.json", "qualification/lifecycle.json"], files.Select(f => f.Value).ToArray());
        // The text names the file's rules' success events: Run Rules' outcomes to branch on.
        Assert.Contains(" - outcomes: ", files.Single(f => f.Value == "qualification/lifecycle.json").Text, StringComparison.Ordinal);
        var models = await providers[LeadFlow.Workflows.Activities.SelectListProviders.ScoringModels].ListAsync(null, Ct);
        Assert.Equal([TestRules.Model], models.Select(m => m.Value).ToArray());
    }

    // ---- helpers ----

    private async Task<WorkflowInstance> RunAsync(long contactId, ActivityDefinition[] activities, ConnectionDefinition[] connections)
    {
        var definition = await _host.Definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "test-" + Guid.NewGuid().ToString("N"),
            Activities = [.. activities],
            Connections = [.. connections],
        }, publish: true, Ct);
        var result = await _host.Engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(CorrelationId: Id(contactId)), Ct);
        return (await _host.Instances.FindAsync(result.InstanceId!, Ct))!;
    }

    private async Task<long> IngestContactAsync(string email, params LeadFlow.Core.Interactions.InteractionInput[] items)
    {
        await IngestAsync(items);
        return await ContactIdAsync(email);
    }

    /// <summary>Drains the processor with the workflows' lead-event sink, as the server runs it.</summary>
    private async Task DrainWithWorkflowsAsync()
    {
        await using var db = Database.NewContext();
        var processor = new ProcessInbox(db, Gate, Rules.Host, Versions, Database.Clock,
            Options.Create(new ProcessingOptions { BatchSize = 5000, Parallelism = 2 }), NullLogger<ProcessInbox>.Instance,
            _host.Services.GetRequiredService<ILeadEventSink>());
        await processor.DrainAsync(Ct);
    }

    private Task<int> InstancesOfAsync(string name) =>
        DbAsync(db => db.WorkflowInstances.CountAsync(i => i.Name == name, Ct));

    /// <summary>Qualify Lead publishes its events in the background: waits (a bounded time) until there are at least <paramref name="count"/> instances.</summary>
    private async Task<int> WaitForInstancesAsync(string name, int count)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await InstancesOfAsync(name) >= count)
            {
                break;
            }
            await Task.Delay(50, Ct);
        }
        return await InstancesOfAsync(name);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string[] Strings(object? value) => value switch
    {
        IEnumerable<object?> items => items.Select(i => Convert.ToString(i, CultureInfo.InvariantCulture)!).ToArray(),
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Array } json => json.EnumerateArray().Select(e => e.GetString()!).ToArray(),
        _ => throw new InvalidOperationException($"Not a list: {value}"),
    };

    private static ActivityDefinition Activity(string id, string type, params (string Name, string Syntax, string Value)[] properties) => new()
    {
        ActivityId = id,
        Type = type,
        Name = id,
        Properties = properties.Select(p => ActivityDefinitionProperty.Of(p.Name, p.Syntax, p.Value)).ToList(),
    };
}
