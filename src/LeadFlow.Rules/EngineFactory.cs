using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>Builds a fresh RulesEngine with the settings measured best on this machine (rules-quartz-notes §1.4, §2).</summary>
internal static class EngineFactory
{
    /// <summary>Types whose members and methods expressions may reach (besides what RulesEngine always adds); the guard narrows further.</summary>
    public static readonly Type[] CustomTypes =
        [typeof(Facts), typeof(ContactFacts), typeof(AccountFacts), typeof(InteractionFacts), typeof(LeadFacts)];

    public static ReSettings Settings() => new()
    {
        CustomTypes = CustomTypes,
        // Off by default since RulesEngine 6.0.0; on, evaluation ran 1.3-1.7x faster here.
        UseFastExpressionCompiler = true,
        // Otherwise ErrorMessage templates serialize the whole input on every failed rule.
        EnableFormattedErrorMessage = false,
        // On, every compile swaps CustomTypes and rescans the AppDomain; off makes reloads several times cheaper.
        AutoRegisterInputType = false,
        // LeadFlow uses only whether rules match; there are no actions (the schema refuses them).
        AutoExecuteActions = false,
        // Errors land in ExceptionMessage, which RuleSet turns into RuleEvaluationException (never "no match").
        EnableExceptionAsErrorMessage = true,
        IgnoreException = false,
        NestedRuleExecutionMode = NestedRuleExecutionMode.All,
    };

    /// <summary>A new engine with every file's workflow registered; a workflow RulesEngine refuses is reported against its file.</summary>
    public static RulesEngine.RulesEngine Create(IReadOnlyList<RuleSetLoader.ParsedFile> files, out List<RuleProblem> problems)
    {
        problems = [];
        var engine = new RulesEngine.RulesEngine(Settings());
        foreach (var file in files)
        {
            try
            {
                engine.AddWorkflow(file.Workflow);
            }
            catch (Exception ex)
            {
                problems.Add(new RuleProblem(file.Path, null, $"RulesEngine refused the workflow: {ex.Message}"));
            }
        }
        return engine;
    }
}
