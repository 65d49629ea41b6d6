using LeadFlow.Core.Workflows;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Workflows;

public sealed class WorkflowFilesTests : DatabaseTest
{
    private static string RepositoryWorkflows()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LeadFlow.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory!.FullName, "workflows");
    }

    [Fact]
    public async Task The_shipped_workflows_import_cleanly_and_a_second_import_changes_nothing()
    {
        await using var host = new WorkflowTestHost(Database);
        var files = host.Services.GetRequiredService<WorkflowFiles>();

        var first = await files.ImportAsync(RepositoryWorkflows(), Ct);
        Assert.NotEmpty(first);
        Assert.All(first, r => Assert.Equal(WorkflowFileStatus.Imported, r.Status));
        var welcome = await host.Definitions.FindAsync("welcome", VersionOptions.Published, Ct);
        Assert.NotNull(welcome);
        Assert.Equal(1, welcome.Version);

        var second = await files.ImportAsync(RepositoryWorkflows(), Ct);
        Assert.All(second, r => Assert.Equal(WorkflowFileStatus.Unchanged, r.Status));
    }

    [Fact]
    public async Task A_changed_file_becomes_a_new_version_a_bad_file_is_reported_and_export_writes_the_published_versions_back()
    {
        var directory = Directory.CreateTempSubdirectory("leadflow-wf-").FullName;
        try
        {
            await using var host = new WorkflowTestHost(Database);
            var files = host.Services.GetRequiredService<WorkflowFiles>();
            File.Copy(Path.Combine(RepositoryWorkflows(), "welcome.json"), Path.Combine(directory, "welcome.json"));
            await File.WriteAllTextAsync(Path.Combine(directory, "broken.json"), "{ \"definitionId\": \"x\", \"activities\": [ { \"type\": \"WriteLine\" } ] }", Ct);
            await File.WriteAllTextAsync(Path.Combine(directory, "unknown.json"), "{ \"definitionId\": \"u\", \"activities\": [ { \"activityId\": \"a\", \"type\": \"NoSuchActivity\" } ] }", Ct);

            var results = await files.ImportAsync(directory, Ct);
            Assert.Equal(WorkflowFileStatus.Failed, results.Single(r => r.File == "broken.json").Status);
            Assert.Contains("activities[0]", results.Single(r => r.File == "broken.json").Error);
            Assert.Equal(WorkflowFileStatus.Failed, results.Single(r => r.File == "unknown.json").Status);
            Assert.Equal(WorkflowFileStatus.Imported, results.Single(r => r.File == "welcome.json").Status);

            var text = await File.ReadAllTextAsync(Path.Combine(directory, "welcome.json"), Ct);
            await File.WriteAllTextAsync(Path.Combine(directory, "welcome.json"), text.Replace("3.00:00:00", "5.00:00:00", StringComparison.Ordinal), Ct);
            var changed = (await files.ImportAsync(directory, Ct)).Single(r => r.File == "welcome.json");
            Assert.Equal((WorkflowFileStatus.Imported, 2), (changed.Status, changed.Version));

            File.Delete(Path.Combine(directory, "broken.json"));
            File.Delete(Path.Combine(directory, "unknown.json"));
            var exported = await files.ExportAsync(directory, Ct);
            var welcome = Assert.Single(exported);
            Assert.Equal("welcome.json", welcome.File);
            var written = ElsaJson.ReadDefinition(await File.ReadAllTextAsync(Path.Combine(directory, "welcome.json"), Ct));
            Assert.Equal(2, written.Version);
            Assert.Equal("5.00:00:00", written.Activities.Single(a => a.ActivityId == "wait-click").Properties.Single(p => p.Name == "Timeout").Expressions["Literal"]);
            Assert.Equal(WorkflowFileStatus.Unchanged, Assert.Single(await files.ImportAsync(directory, Ct)).Status);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_welcome_flow_waits_for_the_contacts_click_or_times_out_after_three_days()
    {
        await using var host = new WorkflowTestHost(Database);
        // Only this flow: the shipped lead lifecycle reacts to every interaction too.
        await host.Definitions.ImportAsync(ElsaJson.ReadDefinition(await File.ReadAllTextAsync(Path.Combine(RepositoryWorkflows(), "welcome.json"), Ct)), publish: true, Ct);

        var clicked = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("welcome", null, "41"), Ct));
        var quiet = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("welcome", null, "42"), Ct));
        Assert.Equal(WorkflowStatus.Suspended, clicked.Status);

        // Another contact's click and the wrong type resume nothing.
        Assert.Empty(await host.Engine.DispatchAsync(InteractionEvent.Create(43, 1, "email_click", null, null, null, null, Database.Clock.GetUtcNow().UtcDateTime), Ct));
        Assert.Empty(await host.Engine.DispatchAsync(InteractionEvent.Create(41, 2, "page_view", "https://x.test/", null, null, null, Database.Clock.GetUtcNow().UtcDateTime), Ct));
        var resumed = Assert.Single(await host.Engine.DispatchAsync(InteractionEvent.Create(41, 3, "email_click", "https://x.test/welcome", null, null, null, Database.Clock.GetUtcNow().UtcDateTime), Ct));
        Assert.Equal((clicked.InstanceId, WorkflowStatus.Finished), (resumed.InstanceId, resumed.Status));
        var journal = await host.Journal.ListAsync(clicked.InstanceId!, 0, 100, Ct);
        Assert.Equal(["Received"], (List<object?>)journal.Single(r => r.ActivityId == "wait-click" && r.EventName == JournalEvents.Resumed).Data!["Outcomes"]!);
        Assert.Equal("engaged", journal[^1].ActivityId);

        Database.Clock.Advance(TimeSpan.FromDays(3));
        var timedOut = Assert.Single(await host.Engine.ResumeDueTimersAsync(10, Ct));
        Assert.Equal((quiet.InstanceId, WorkflowStatus.Finished), (timedOut.InstanceId, timedOut.Status));
        Assert.Equal("quiet", (await host.Journal.ListAsync(quiet.InstanceId!, 0, 100, Ct))[^1].ActivityId);
        // The clicked instance's timer went with its other bookmark.
        Assert.Empty(await host.Instances.ListDueBookmarksAsync(Database.Clock.GetUtcNow().UtcDateTime.AddYears(1), 10, Ct));
    }
}
