using BackscatterConsole.Server.Tests.Hosting;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Postgres;

/// <summary>The input rules on PostgreSQL, whose text type cannot hold NUL at all.</summary>
public sealed class PostgresControlCharacterTests(PostgresAppFactory factory) : ControlCharacterTests(factory), IClassFixture<PostgresAppFactory>;
