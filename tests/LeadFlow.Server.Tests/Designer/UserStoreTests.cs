using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

public sealed class UserStoreTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = DesignerSession.App();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<T> WithStoreAsync<T>(Func<UserStore, Task<T>> action)
    {
        using var scope = _app.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserStore>());
    }

    [Fact]
    public async Task Passwords_are_stored_as_salted_hashes_only()
    {
        await _app.CreateUserAsync("ana", UserRole.Admin);
        await _app.CreateUserAsync("bob", UserRole.Admin);

        var hashes = await _app.DbAsync(db => db.Users.OrderBy(u => u.Id).Select(u => u.PasswordHash).ToListAsync(Ct));

        Assert.All(hashes, h => Assert.DoesNotContain(DesignerSession.Password, h, StringComparison.Ordinal));
        // Identity's v3 format: a version byte, then PRF, iteration count, salt and subkey, base64-encoded.
        Assert.All(hashes, h => Assert.Equal(0x01, Convert.FromBase64String(h)[0]));
        Assert.NotEqual(hashes[0], hashes[1]);
    }

    [Fact]
    public async Task Verification_needs_the_exact_password_and_an_enabled_user_and_ignores_the_name_case()
    {
        await _app.CreateUserAsync("Ana", UserRole.ProcessOwner);

        Assert.NotNull(await WithStoreAsync(s => s.VerifyPasswordAsync("ana", DesignerSession.Password, Ct)));
        Assert.Null(await WithStoreAsync(s => s.VerifyPasswordAsync("ana", DesignerSession.Password.ToUpperInvariant(), Ct)));
        Assert.Null(await WithStoreAsync(s => s.VerifyPasswordAsync("nobody", DesignerSession.Password, Ct)));
        await WithStoreAsync(s => s.DisableAsync("ana", Ct));
        Assert.Null(await WithStoreAsync(s => s.VerifyPasswordAsync("ana", DesignerSession.Password, Ct)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("two words", "spaces")]
    [InlineData("tab\tname", "spaces")]
    public async Task Bad_names_are_refused(string name, string reason)
    {
        var result = await WithStoreAsync(s => s.CreateAsync(name, UserRole.Admin, DesignerSession.Password, Ct));

        Assert.Null(result.User);
        Assert.Contains(reason, result.Error);
        Assert.False(await WithStoreAsync(s => s.AnyAsync(Ct)));
    }

    [Fact]
    public async Task Changing_the_password_replaces_the_old_one_and_the_security_stamp()
    {
        var before = await _app.CreateUserAsync("ana", UserRole.ProcessOwner);

        var after = (await WithStoreAsync(s => s.SetPasswordAsync("ana", "another long password", Ct))).User!;

        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        Assert.Null(await WithStoreAsync(s => s.VerifyPasswordAsync("ana", DesignerSession.Password, Ct)));
        Assert.NotNull(await WithStoreAsync(s => s.VerifyPasswordAsync("ana", "another long password", Ct)));
        Assert.Null(await WithStoreAsync(s => s.FindSessionAsync(before.Id, before.SecurityStamp, Ct)));
    }
}
