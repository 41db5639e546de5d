// The model-based lifecycle fuzzer (test/fuzz/lifecycle.js) over fixed
// seeds: random alloc, export, view, C view, async I/O, close, transfer,
// GC and Worker steps, checked against a model of counts and bytes after
// every step. CI also runs it for a bounded time (npm run fuzz) and under
// ASan (npm run test:sanitize).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

test('40 seeds x 200 steps match the model, with no crash', () => {
  const script = path.join(__dirname, 'fuzz', 'lifecycle.js');
  const child = spawnSync(process.execPath, ['--expose-gc', script, '--seconds', '0', '--seed', '1000', '--runs', '40'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  expect(JSON.parse(child.stdout.trim())).toMatchObject({ seeds: 40, steps: 200, ops: 8000 });
});
