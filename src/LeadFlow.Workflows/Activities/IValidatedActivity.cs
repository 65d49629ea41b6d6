namespace LeadFlow.Workflows.Activities;

/// <summary>
/// An activity that checks its inputs when a version is published, so a definition that could only fault at run time
/// is refused at once (in the designer's publish, and whole on import). Only Literal and Json inputs are bound for the
/// check; inputs in other syntaxes depend on the instance and are left unset.
/// </summary>
public interface IValidatedActivity : IActivity
{
    /// <summary>The problems with the bound inputs, each a sentence; none when the activity can run.</summary>
    IEnumerable<string> Validate();
}
