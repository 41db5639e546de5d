// The addon calls V8's API in one file (native/binding/memory/
// backing_store_pin.cc), for C views' hold on memory. Runtimes that load
// N-API addons without V8's symbols (Bun, Deno) would kill the process at
// the first call of a missing one, so that file looks every symbol up first
// (HaveBackingStores). This holds its list to what the addon really calls.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const addon = process.env['BUFFER_PROTOCOL_ADDON'] ?? path.join(root, 'build', 'Release', 'buffer_protocol.node');

test('the V8 symbols HaveBackingStores checks are every V8 symbol the addon imports', () => {
  const source = fs.readFileSync(path.join(root, 'native', 'binding', 'memory', 'backing_store_pin.cc'), 'utf8');
  const listed = [...source.matchAll(/"(_ZN\w*2v8\w+)"/g)].map((m) => m[1]!).sort();
  const imported = execFileSync('nm', ['-u', addon], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop()!)
    .filter((symbol) => /^_ZN\w*2v8/.test(symbol) && !symbol.startsWith('_ZN2v88internal'))
    .sort();
  expect(imported.length).toBeGreaterThan(0);
  expect(listed).toEqual(imported);
});

test('a missing addon is an error that says how to build it', () => {
  const child = spawnSync(
    process.execPath,
    ['-e', "try { require('./lib') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }"],
    {
      cwd: root,
      env: { ...process.env, BUFFER_PROTOCOL_ADDON: path.join(root, 'no-such-addon.node') },
      encoding: 'utf8',
    },
  );
  const said = JSON.parse(child.stdout.trim()) as { code: string; message: string };
  expect(said.code).toBe('ERR_BUFFER_PROTOCOL_NOT_BUILT');
  expect(said.message).toContain('npm rebuild buffer-protocol');
});
