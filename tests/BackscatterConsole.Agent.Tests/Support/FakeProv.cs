using System.Text.Json;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>
/// A scripted stand-in for <c>carbonio</c> / <c>zmprov</c> / <c>zmmtactl</c>: a Python script in a temp directory that keeps
/// global config in a JSON file, implements gcf, gacf, gs -e and mcf (with +attr/-attr), the account reads the agent's
/// mailbox facts use (<c>-l sa FILTER limit N</c>, <c>-l ga NAME ATTR…</c>, <c>gqu SERVER</c>, refusing any other shape), prints the real
/// <c>usage: modifyConfig(mcf) attr1 value1 [attr2 value2...]</c> error on an odd argument count, and records every
/// argument vector it receives, one JSON array per line, so tests assert exactly what the connector passed.
/// </summary>
public sealed class FakeProv : IDisposable
{
    private const string Script = """
        #!/usr/bin/python3
        import json, os, sys
        here = os.path.dirname(os.path.abspath(__file__))
        program = os.path.basename(sys.argv[0])
        args = sys.argv[1:]
        with open(os.path.join(here, 'calls.jsonl'), 'a') as log:
            log.write(json.dumps([program] + args) + '\n')
        hang = os.path.join(here, 'hang-once-' + program)
        if os.path.exists(hang):
            os.remove(hang)
            import time
            time.sleep(300)
        if os.path.exists(os.path.join(here, 'fail-' + program)):
            print(program + ': simulated failure', file=sys.stderr)
            sys.exit(1)
        if program == 'zmmtactl':
            print('Stopping postfix...Done.\nStarting postfix...Done.')
            sys.exit(0)
        state = os.path.join(here, 'state.json')
        cfg = json.load(open(state))
        if program == 'carbonio':
            if not args or args[0] != 'prov':
                print('usage: carbonio prov ...', file=sys.stderr)
                sys.exit(2)
            args = args[1:]
        if not args:
            print('usage: zmprov [args] [cmd] [cmd-args ...]', file=sys.stderr)
            sys.exit(2)
        ldap = args[0] == '-l'
        if ldap:
            args = args[1:]
        verb, rest = args[0], args[1:]
        accounts_file = os.path.join(here, 'accounts.json')
        accounts = json.load(open(accounts_file)) if os.path.exists(accounts_file) else []
        def show(names):
            for name in names:
                for value in cfg.get(name, []):
                    print(name + ': ' + value)
        if verb in ('gcf', 'getConfig'):
            if len(rest) != 1:
                print('usage: getConfig(gcf) {name}', file=sys.stderr)
                sys.exit(1)
            show(rest)
        elif verb in ('gacf', 'getAllConfig'):
            show(sorted(k for k in cfg if not k.startswith('server:')))
        elif verb in ('gs', 'getServer'):
            if len(rest) < 2 or rest[0] != '-e':
                print('usage: getServer(gs) [-e] {name|id} [attr1 [attr2...]]', file=sys.stderr)
                sys.exit(1)
            print('# name ' + rest[1])
            # "server:ATTR" entries in the state are server-level values that beat global config.
            for name in (rest[2:] if len(rest) > 2 else sorted(k for k in cfg if not k.startswith('server:'))):
                for value in cfg.get('server:' + name, cfg.get(name, [])):
                    print(name + ': ' + value)
        elif verb in ('mcf', 'modifyConfig'):
            if len(rest) == 0 or len(rest) % 2 != 0:
                print('usage: modifyConfig(mcf) attr1 value1 [attr2 value2...]')
                sys.exit(1)
            replaced = set()
            for attr, value in zip(rest[0::2], rest[1::2]):
                if attr.startswith('+'):
                    values = cfg.setdefault(attr[1:], [])
                    if value not in values:
                        values.append(value)
                elif attr.startswith('-'):
                    cfg[attr[1:]] = [v for v in cfg.get(attr[1:], []) if v != value]
                else:
                    if attr not in replaced:
                        cfg[attr] = []
                        replaced.add(attr)
                    if value != '':
                        cfg[attr].append(value)
            json.dump(cfg, open(state, 'w'))
        elif verb in ('sa', 'searchAccounts'):
            import re
            match = re.fullmatch(r'\(&\(zimbraAccountStatus=(\w+)\)\(zimbraMailStatus=enabled\)\)', rest[0]) if len(rest) == 3 else None
            if not ldap or match is None or rest[1] != 'limit' or not rest[2].isdigit():
                print('stand-in: unexpected sa arguments: ' + json.dumps(args), file=sys.stderr)
                sys.exit(3)
            found = [a['name'] for a in accounts if a['status'] == match.group(1) and a.get('mailStatus', 'enabled') == 'enabled']
            for name in found[:int(rest[2])]:
                print(name)
        elif verb in ('ga', 'getAccount'):
            if not ldap or len(rest) < 2 or rest[1:] != ['zimbraMailDeliveryAddress', 'zimbraMailAlias']:
                print('stand-in: unexpected ga arguments: ' + json.dumps(args), file=sys.stderr)
                sys.exit(3)
            account = next((a for a in accounts if a['name'] == rest[0]), None)
            if account is None:
                print('ERROR: account.NO_SUCH_ACCOUNT (no such account: ' + rest[0] + ')', file=sys.stderr)
                sys.exit(2)
            print('# name ' + account['name'])
            for alias in account.get('aliases', []):
                print('zimbraMailAlias: ' + alias)
            print('zimbraMailDeliveryAddress: ' + account['name'])
            print()
        elif verb in ('gqu', 'getQuotaUsage'):
            if ldap or len(rest) != 1:
                print('stand-in: unexpected gqu arguments: ' + json.dumps(args), file=sys.stderr)
                sys.exit(3)
            for a in accounts:
                print('%s %d %d' % (a['name'], a.get('quota', 0), a.get('used', 0)))
        else:
            print('Unknown command: ' + verb, file=sys.stderr)
            sys.exit(1)
        """;

    private readonly TempDirectory _directory = new();

    public FakeProv(IReadOnlyDictionary<string, string[]> initial)
    {
        foreach (var name in new[] { "carbonio", "zmprov", "zmmtactl" })
        {
            var path = _directory.Combine(name);
            File.WriteAllText(path, Script.Replace("\r\n", "\n", StringComparison.Ordinal));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        File.WriteAllText(_directory.Combine("state.json"), JsonSerializer.Serialize(initial));
    }

    public string Carbonio => _directory.Combine("carbonio");

    public string Zmprov => _directory.Combine("zmprov");

    public string Zmmtactl => _directory.Combine("zmmtactl");

    /// <summary>Every argument vector received, program name first.</summary>
    public IReadOnlyList<string[]> Calls
    {
        get
        {
            var log = _directory.Combine("calls.jsonl");
            return File.Exists(log)
                ? File.ReadAllLines(log).Select(l => JsonSerializer.Deserialize<string[]>(l)!).ToArray()
                : [];
        }
    }

    public IReadOnlyDictionary<string, string[]> State =>
        JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(_directory.Combine("state.json")))!;

    /// <summary>Replaces the stand-in's accounts.</summary>
    public void SetAccounts(params FakeAccount[] accounts) =>
        File.WriteAllText(_directory.Combine("accounts.json"), JsonSerializer.Serialize(accounts, new JsonSerializerOptions(JsonSerializerDefaults.Web)));

    /// <summary>Makes every later call of <paramref name="program"/> fail with exit code 1.</summary>
    public void FailFrom(string program) => File.WriteAllText(_directory.Combine("fail-" + program), string.Empty);

    /// <summary>Makes the next call of <paramref name="program"/> hang for five minutes (a stuck MTA restart).</summary>
    public void HangOnce(string program) => File.WriteAllText(_directory.Combine("hang-once-" + program), string.Empty);

    public void Dispose() => _directory.Dispose();
}

/// <summary>An account of the <see cref="FakeProv"/> stand-in.</summary>
public sealed record FakeAccount(string Name, string Status, string MailStatus = "enabled", string[]? Aliases = null, long Quota = 0, long Used = 0);
