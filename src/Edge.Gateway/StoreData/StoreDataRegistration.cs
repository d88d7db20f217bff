using Edge.Gateway.Commands;

namespace Edge.Gateway.StoreData;

/// <summary>Registers store data from the cloud: its repository and the command that applies it.</summary>
public static class StoreDataRegistration
{
    /// <summary>Adds the repository, its in-memory view and <see cref="ApplyStoreData"/>.</summary>
    public static WebApplicationBuilder AddStoreData(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<StoreDataRepository>();
        builder.Services.AddSingleton<StoreDataView>();
        builder.Services.AddSingleton<ICommandHandler<ApplyStoreData>, ApplyStoreDataHandler>();
        return builder;
    }
}
