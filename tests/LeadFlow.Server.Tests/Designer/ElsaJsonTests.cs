using System.Text.Json;
using LeadFlow.Server.ElsaApi;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>The <c>/v1</c> serializer settings on their own, with the shapes later endpoints will write and read.</summary>
public sealed class ElsaJsonTests
{
    [Flags]
    public enum Traits
    {
        Action = 1,
        Trigger = 2,
        Job = 4,
    }

    public enum Persistence
    {
        Suspended,
        WorkflowBurst,
        ActivityExecuted,
    }

    public sealed record Activity(string ActivityId, string? Name, Traits Traits, Persistence PersistenceBehavior,
        Dictionary<string, string?> Expressions, Dictionary<string, string> PropertyStorageProviders);

    public sealed record Body(Persistence PersistenceBehavior);

    [Fact]
    public void Properties_are_camel_case_dictionary_keys_untouched_nulls_omitted_enums_as_names_and_flags_as_numbers()
    {
        var activity = new Activity("a-1", null, Traits.Trigger | Traits.Action, Persistence.WorkflowBurst,
            new() { ["Literal"] = "hello", ["JavaScript"] = null }, new() { ["Text"] = "WorkflowInstance" });

        var json = JsonSerializer.Serialize(activity, ElsaJson.Options);

        Assert.Equal("""{"activityId":"a-1","traits":3,"persistenceBehavior":"WorkflowBurst","expressions":{"Literal":"hello","JavaScript":null},"propertyStorageProviders":{"Text":"WorkflowInstance"}}""", json);
    }

    [Theory]
    [InlineData("\" WorkflowBurst\"", Persistence.WorkflowBurst)]
    [InlineData("\"activityexecuted\"", Persistence.ActivityExecuted)]
    [InlineData("0", Persistence.Suspended)]
    public void Enums_are_read_leniently_as_the_studio_sends_them(string value, Persistence expected)
    {
        var body = JsonSerializer.Deserialize<Body>($$"""{"persistenceBehavior":{{value}}}""", ElsaJson.Options)!;

        Assert.Equal(expected, body.PersistenceBehavior);
    }

    [Theory]
    [InlineData("\"WorkflowPassCompleted\"")]
    [InlineData("\"2\"")]
    [InlineData("7")]
    public void Unknown_enum_values_are_rejected_not_defaulted(string value)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Body>($$"""{"persistenceBehavior":{{value}}}""", ElsaJson.Options));
    }

    [Theory]
    [InlineData("2024-03-01T10:15:00+00:00", "\"2024-03-01T10:15:00Z\"")]
    [InlineData("2023-05-15T11:41:02.1234567+02:00", "\"2023-05-15T09:41:02.1234567Z\"")]
    [InlineData("2023-05-15T09:41:02.1200000Z", "\"2023-05-15T09:41:02.12Z\"")]
    public void Instants_are_utc_with_a_z_and_no_trailing_zeros(string value, string expected)
    {
        Assert.Equal(expected, JsonSerializer.Serialize(DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture), ElsaJson.Options));
    }

    [Fact]
    public void Type_metadata_in_incoming_json_is_ignored()
    {
        var body = JsonSerializer.Deserialize<Body>("""{"$type":"System.IO.FileInfo, System.IO","$id":"1","persistenceBehavior":"Suspended"}""", ElsaJson.Options)!;

        Assert.Equal(Persistence.Suspended, body.PersistenceBehavior);
    }
}
