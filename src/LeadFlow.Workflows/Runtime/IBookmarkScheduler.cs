namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// The host's timer scheduler. The engine calls it after a commit that created bookmarks with a due time; when the
/// time comes, the host calls <see cref="WorkflowEngine.ResumeAsync"/> with the bookmark id (a bookmark that is gone
/// by then is ignored). The store's due-bookmark query (<see cref="Stores.IWorkflowInstanceStore.ListDueBookmarksAsync"/>)
/// rebuilds schedules after a restart and catches misfires.
/// </summary>
public interface IBookmarkScheduler
{
    ValueTask ScheduleAsync(IReadOnlyList<Bookmark> timerBookmarks, CancellationToken cancellationToken);
}
