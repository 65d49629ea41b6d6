using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// A contact and its account as rule inputs, checked against <see cref="InputLimits"/> and wrapped as RulesEngine
/// parameters once for all of one evaluation's interactions, models, grading and qualification (instead of once per
/// model and interaction). The parameters of the last interaction are kept for the next model's call. Not thread-safe:
/// one thread evaluates a contact.
/// </summary>
public sealed class ContactInputs
{
    private readonly RuleParameter _contact;
    private readonly RuleParameter _account;
    private InteractionFacts? _interaction;
    private RuleParameter[]? _scoring;
    private RuleParameter[]? _grading;

    /// <exception cref="ArgumentException">A fact is over <see cref="InputLimits"/>.</exception>
    public ContactInputs(ContactFacts contact, AccountFacts account)
    {
        InputLimits.Check(contact);
        InputLimits.Check(account);
        Contact = contact;
        Account = account;
        _contact = RuleParameter.Create(RuleInputs.Contact, contact);
        _account = RuleParameter.Create(RuleInputs.Account, account);
    }

    public ContactFacts Contact { get; }
    public AccountFacts Account { get; }

    /// <summary>contact, account, interaction (checked once per interaction: facts are immutable records).</summary>
    internal RuleParameter[] Scoring(InteractionFacts interaction)
    {
        if (_scoring is null || !ReferenceEquals(interaction, _interaction))
        {
            InputLimits.Check(interaction);
            _scoring = [_contact, _account, RuleParameter.Create(RuleInputs.Interaction, interaction)];
            _interaction = interaction;
        }
        return _scoring;
    }

    internal RuleParameter[] Grading() => _grading ??= [_contact, _account];

    internal RuleParameter[] Qualification(LeadFacts lead)
    {
        InputLimits.Check(lead);
        return [RuleParameter.Create(RuleInputs.Lead, lead), _contact, _account];
    }
}
