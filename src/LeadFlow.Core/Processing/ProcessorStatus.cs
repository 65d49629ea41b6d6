using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>What the background processor is doing, for <c>GET /api/rules</c> and the log. Thread-safe snapshot.</summary>
public sealed class ProcessorStatus
{
    private readonly Lock _lock = new();
    private ProcessorState _state = new("starting", null, null, null, 0, null);

    public ProcessorState Current
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    internal void Set(Func<ProcessorState, ProcessorState> change)
    {
        lock (_lock)
        {
            _state = change(_state);
        }
    }
}

/// <summary>
/// <c>State</c>: starting, idle, processing, waiting-for-rules (no valid rule set loaded), failing (the last batch
/// failed; it is retried at <c>RetryAt</c>), disabled.
/// </summary>
public sealed record ProcessorState(
    string State,
    DateTime? LastBatchAt,
    ProcessorError? Error,
    DateTime? RetryAt,
    long ProcessedInteractions,
    string? RuleSetVersion);

/// <summary>Why the last batch failed: a rule's file, name and message, or a database error (no file or rule).</summary>
public sealed record ProcessorError(string? File, string? Rule, string Message, DateTime At, int Attempts)
{
    public static ProcessorError From(Exception exception, DateTime at, int attempts) => exception is RuleEvaluationException rule
        ? new ProcessorError(rule.File, rule.Rule, rule.Reason, at, attempts)
        : new ProcessorError(null, null, exception.Message, at, attempts);
}
