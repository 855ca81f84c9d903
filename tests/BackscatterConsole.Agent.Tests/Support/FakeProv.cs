using System.Text.Json;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>
/// A scripted stand-in for <c>carbonio</c> / <c>zmprov</c> / <c>zmmtactl</c>: a Python script in a temp directory that keeps
/// global config in a JSON file, implements gcf, gacf, gs -e and mcf (with +attr/-attr), prints the real
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
        verb, rest = args[0], args[1:]
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

    /// <summary>Makes every later call of <paramref name="program"/> fail with exit code 1.</summary>
    public void FailFrom(string program) => File.WriteAllText(_directory.Combine("fail-" + program), string.Empty);

    /// <summary>Makes the next call of <paramref name="program"/> hang for five minutes (a stuck MTA restart).</summary>
    public void HangOnce(string program) => File.WriteAllText(_directory.Combine("hang-once-" + program), string.Empty);

    public void Dispose() => _directory.Dispose();
}
