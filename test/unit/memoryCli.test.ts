import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { tempWorkspace, type TempWorkspace } from './helpers';

/** `lore memory …` from a folder that has been indexed (found like `lore search`: --dir). */
describe('lore memory', () => {
  let ws: TempWorkspace;
  const run = async (argv: string[], ask?: (q: string) => Promise<string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...argv, '--dir', ws.root], { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false, ask });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  before(async () => {
    ws = tempWorkspace({ 'ops/deploy.md': '# Deploy\n\nThe staging database is reset by a cron job.\n' });
    const r = await main(['index', ws.root, '--embed-provider', 'none'], { out: () => {}, err: () => {}, isTTY: false });
    assert.equal(r, 0);
  });
  after(() => ws.cleanup());

  it('remember, recall, history, restore, forget: versions kept, recall of a forgotten key exits 1 and says how to bring it back', async () => {
    assert.equal((await run(['memory', 'remember', 'project:ops', 'staging-db', 'reset nightly at 02:00'])).out, 'Remembered project:ops staging-db (version 1, semantic).');
    const v2 = await run(['memory', 'remember', 'project:ops', 'staging-db', '{"reset":"nightly","at":"03:00"}', '--json']);
    assert.equal(v2.code, 0, v2.err);
    assert.deepEqual([JSON.parse(v2.out).version, JSON.parse(v2.out).value, JSON.parse(v2.out).createdBy], [2, { reset: 'nightly', at: '03:00' }, 'cli']);
    assert.equal((await run(['memory', 'recall', 'project:ops', 'staging-db'])).out, JSON.stringify({ reset: 'nightly', at: '03:00' }, null, 2));
    const hist = JSON.parse((await run(['memory', 'history', 'project:ops', 'staging-db', '--json'])).out);
    assert.deepEqual(hist.map((e: { version: number }) => e.version), [2, 1]);
    assert.match((await run(['memory', 'restore', 'project:ops', 'staging-db', '1'])).out, /to version 1's value, as version 3/);
    assert.equal((await run(['memory', 'recall', 'project:ops', 'staging-db'])).out, 'reset nightly at 02:00');
    assert.match((await run(['memory', 'forget', 'project:ops', 'staging-db'])).out, /^Forgot project:ops staging-db/);
    const gone = await run(['memory', 'recall', 'project:ops', 'staging-db']);
    assert.equal(gone.code, 1);
    assert.match(gone.err, /was forgotten \(version 3\); `lore memory restore project:ops staging-db 3` brings it back/);
    const never = await run(['memory', 'recall', 'project:ops', 'nope']);
    assert.deepEqual([never.code, never.err], [1, 'Nothing is remembered as project:ops nope.']);
  });

  it('list by prefix and type, search, and memories beside the documents in `lore search`', async () => {
    await run(['memory', 'remember', 'project:ops', 'owner', 'the platform team owns staging']);
    await run(['memory', 'remember', 'project:ops:deploy', 'migrations', 'always run migrations with --dry-run first', '--type', 'procedural']);
    await run(['memory', 'remember', 'user:prefs', 'tone', 'short answers']);
    const listed = JSON.parse((await run(['memory', 'list', 'project', '--json'])).out);
    assert.deepEqual(listed.map((e: { namespace: string; key: string }) => `${e.namespace} ${e.key}`), ['project:ops owner', 'project:ops:deploy migrations']);
    assert.match((await run(['memory', 'list', '--type', 'procedural'])).out, /^project:ops:deploy migrations\s+v1\s+procedural\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+always run migrations/);
    assert.match((await run(['memory', 'search', 'who', 'owns', 'staging'])).out, /project:ops owner/);
    assert.equal((await run(['memory', 'search', 'kubernetes'])).code, 1);
    const s = await run(['search', 'staging', '--mode', 'keyword']);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^memory project:ops owner {2}v1 · semantic\n {3}the platform team owns staging\n1\. Deploy/);
    assert.deepEqual(JSON.parse((await run(['search', 'staging', '--mode', 'keyword', '--json'])).out).memories.map((m: { entry: { key: string } }) => m.entry.key), ['owner']);
  });

  it('episodic with a TTL; bad input is exit 2 with the reason', async () => {
    const e = JSON.parse((await run(['memory', 'remember', 'session:today', 'focus', 'the flaky test', '--type', 'episodic', '--ttl', '12h', '--json'])).out);
    assert.ok(e.expiresAt - e.updatedAt === 12 * 3_600_000);
    const cases: Array<[string[], RegExp]> = [
      [['memory', 'remember', 'ops', 'k', 'v'], /"ops" is not a memory namespace/],
      [['memory', 'remember', 'project:ops', 'k'], /Usage: lore memory remember/],
      [['memory', 'remember', 'project:ops', 'k', 'v', '--ttl', '12h'], /Only episodic memories expire/],
      [['memory', 'remember', 'project:ops', 'k', 'v', '--type', 'episodic', '--ttl', 'soon'], /A TTL is a number and a unit/],
      [['memory', 'restore', 'project:ops', 'owner', 'two'], /A version is a whole number/],
      [['memory', 'bogus'], /Unknown memory command "bogus"/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, message, argv.join(' '));
    }
  });

  it('purge asks, or takes --yes; without either nothing is deleted', async () => {
    await run(['memory', 'remember', 'project:tmp', 'x', '1']);
    const refused = await run(['memory', 'forget', 'project:tmp', 'x', '--purge']);
    assert.deepEqual([refused.code, /pass --yes to confirm \(nothing deleted\)/.test(refused.err)], [2, true]);
    const no = await run(['memory', 'forget', 'project:tmp', 'x', '--purge'], async () => 'n');
    assert.equal(no.code, 2);
    assert.equal((await run(['memory', 'recall', 'project:tmp', 'x'])).out, '1');
    const questions: string[] = [];
    const yes = await run(['memory', 'forget', 'project:tmp', 'x', '--purge'], async (q) => (questions.push(q), 'y'));
    assert.equal(yes.out, 'Deleted 1 version(s) of project:tmp x for good.');
    assert.deepEqual(questions, ['Delete all 1 version(s) of project:tmp x for good? [y/N] ']);
    assert.equal((await run(['memory', 'history', 'project:tmp', 'x'])).code, 1);
  });

  it('export as JSON and markdown, import into another folder: the same memories; importing twice writes nothing', async () => {
    const dir = path.dirname(ws.root);
    const json = path.join(dir, 'memories.json');
    const md = path.join(dir, 'memories-md');
    assert.equal((await run(['memory', 'export', '--to', json])).code, 0);
    const r = await run(['memory', 'export', '--format', 'markdown', '--to', md]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(fs.readdirSync(md).sort(), ['project.ops.deploy.md', 'project.ops.md', 'session.today.md', 'user.prefs.md']);
    const opsMd = fs.readFileSync(path.join(md, 'project.ops.deploy.md'), 'utf8');
    assert.match(opsMd, /^# project:ops:deploy\n\n## migrations\n\n<!-- lore-memory type=procedural version=1 updated=\S+ by cli -->\n\nalways run migrations with --dry-run first\n/);
    const other = tempWorkspace({ 'a.md': '# A\n' });
    try {
      await main(['index', other.root, '--embed-provider', 'none'], { out: () => {}, err: () => {}, isTTY: false });
      const io = (out: string[]) => ({ out: (s: string) => out.push(s), err: () => {}, isTTY: false });
      const o1: string[] = [];
      assert.equal(await main(['memory', 'import', md, '--dir', other.root], io(o1)), 0);
      assert.match(o1[0], /^Imported 4 memories \(0 already as they were\)\.$/);
      const o2: string[] = [];
      assert.equal(await main(['memory', 'import', json, '--dir', other.root], io(o2)), 0);
      assert.match(o2[0], /^Imported 0 memories \(4 already as they were\)\.$/, 'JSON and markdown carry the same values and types');
      const listed: string[] = [];
      await main(['memory', 'list', '--json', '--dir', other.root], io(listed));
      const mine: string[] = [];
      await main(['memory', 'list', '--json', '--dir', ws.root], io(mine));
      const strip = (text: string) => JSON.parse(text).map((e: { namespace: string; key: string; value: unknown; type: string }) => [e.namespace, e.key, e.value, e.type]);
      assert.deepEqual(strip(listed[0]), strip(mine[0]));
    } finally {
      other.cleanup();
    }
    fs.writeFileSync(json, '{"entries": [{"namespace": "bad", "key": "k", "value": 1}]}');
    const bad = await run(['memory', 'import', json]);
    assert.deepEqual([bad.code, /entry 1 \(bad k\): "bad" is not a memory namespace/.test(bad.err)], [2, true]);
  });
});
