using LeadFlow.Core.ApiKeys;

namespace LeadFlow.Core.Tests.ApiKeys;

public sealed class ApiKeyStoreTests : DatabaseTest
{
    [Fact]
    public async Task A_created_key_verifies_until_it_is_revoked_and_only_its_hash_is_stored()
    {
        await using var db = Database.NewContext();
        var store = new ApiKeyStore(db, Database.Clock);

        var created = await store.CreateAsync("crm", ApiKeyRole.Integrator, Ct);

        Assert.StartsWith($"lf_{created.KeyId}_", created.Key);
        Assert.Equal(ApiKeyRole.Integrator, (await store.VerifyAsync(created.Key, Ct))!.Role);
        Assert.DoesNotContain(db.ApiKeys, k => System.Text.Encoding.UTF8.GetString(k.Hash).Contains(created.Key[^10..]));

        Assert.True(await store.RevokeAsync(created.KeyId, Ct));
        Assert.Null(await store.VerifyAsync(created.Key, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("lf_")]
    [InlineData("lf__x")]
    public async Task Malformed_keys_do_not_verify(string presented)
    {
        await using var db = Database.NewContext();
        Assert.Null(await new ApiKeyStore(db, Database.Clock).VerifyAsync(presented, Ct));
    }

    [Fact]
    public async Task A_tampered_secret_with_a_real_key_id_does_not_verify()
    {
        await using var db = Database.NewContext();
        var store = new ApiKeyStore(db, Database.Clock);
        var created = await store.CreateAsync("crm", ApiKeyRole.Admin, Ct);

        var tampered = created.Key[..^1] + (created.Key[^1] == 'A' ? 'B' : 'A');

        Assert.Null(await store.VerifyAsync(tampered, Ct));
        Assert.False(await store.RevokeAsync("nope", Ct));
    }
}
