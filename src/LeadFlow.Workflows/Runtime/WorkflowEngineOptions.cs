using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Runtime;

/// <summary>Engine settings and host extension points.</summary>
public sealed class WorkflowEngineOptions
{
    /// <summary>Expression syntaxes (Literal, JavaScript with its sandbox limits, Liquid, Json, Switch by default).</summary>
    public ExpressionEvaluator Expressions { get; init; } = ExpressionEvaluator.CreateDefault();

    /// <summary>Named context values for expressions (Core plugs in the correlated contact).</summary>
    public IWorkflowContextProvider? ContextProvider { get; init; }

    /// <summary>Told about new timer bookmarks after they are committed (Core schedules them with Quartz).</summary>
    public IBookmarkScheduler? BookmarkScheduler { get; init; }

    /// <summary>Serializes work on one instance; replace with a distributed lock when several nodes run workflows.</summary>
    public IWorkflowInstanceLock InstanceLock { get; init; } = new InProcessWorkflowInstanceLock();

    /// <summary>Where WriteLine writes.</summary>
    public TextWriter Console { get; init; } = System.Console.Out;

    /// <summary>Random source of RandomSplit.</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>A burst that runs more activities than this faults (an endless loop without a wait).</summary>
    public int MaxActivitiesPerBurst { get; init; } = 10_000;

    /// <summary>How often a resume is retried when another node changed the instance at the same time.</summary>
    public int MaxConcurrencyRetries { get; init; } = 3;
}
