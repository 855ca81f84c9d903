namespace BackscatterConsole.Browser.Tests;

/// <summary>
/// The browser tests share two consoles (each with its own knotd and Chromium) instead of starting one per test class:
/// ten consoles starting at once on two cores spent most of the run compiling and competing. Tests in one collection run
/// one after another and must not depend on what the others stored (each creates its own servers and users, and reads
/// the inventory through its own filter); the two collections run side by side.
/// </summary>
public static class PortalCollections
{
    public const string Inventory = "Portal: inventory, servers, checklist, posture";
    public const string Workflow = "Portal: accounts, administration, agents, change requests, shell";

    [CollectionDefinition(Inventory)]
    public sealed class InventoryDefinition : ICollectionFixture<PortalFixture>;

    [CollectionDefinition(Workflow)]
    public sealed class WorkflowDefinition : ICollectionFixture<PortalFixture>;
}
