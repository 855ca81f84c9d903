using BackscatterConsole.Server.Tests.Access;
using BackscatterConsole.Server.Tests.Audit;
using BackscatterConsole.Server.Tests.ChangeRequests;
using BackscatterConsole.Server.Tests.Checks;
using BackscatterConsole.Server.Tests.Fleet;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Server.Tests.Servers;

namespace BackscatterConsole.Server.Tests.Postgres;

// The feature suites most tied to storage, run unchanged against a real PostgreSQL: each subclass only swaps the factory.
// (The base classes also declare IClassFixture<AppFactory>; xunit creates that SQLite factory but it is never started.)

public sealed class PostgresServersApiTests(PostgresAppFactory factory) : ServersApiTests(factory), IClassFixture<PostgresAppFactory>;

public sealed class PostgresUsersAndTokensTests(PostgresAppFactory factory) : UsersAndTokensTests(factory), IClassFixture<PostgresAppFactory>;

public sealed class PostgresSettingsSnapshotsApiTests(PostgresAppFactory factory) : SettingsSnapshotsApiTests(factory), IClassFixture<PostgresAppFactory>;

public sealed class PostgresScansApiTests(PostgresAppFactory factory) : ScansApiTests(factory), IClassFixture<PostgresAppFactory>;

public sealed class PostgresAuditTrailTests() : AuditTrailTests(new PostgresAppFactory());

public sealed class PostgresChangeRequestsApiTests() : ChangeRequestsApiTests(approvals => new PostgresAppFactory { Settings = new() { ["ChangeRequests:RequiredApprovals"] = approvals } });

public sealed class PostgresFleetApiTests(PostgresAppFactory factory) : FleetApiTests(factory), IClassFixture<PostgresAppFactory>;
