import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs test/fixtures/<name>.js in a fresh node process (with --expose-gc)
 * against the compiled lib/, so crashes, GC and process-wide state cannot
 * touch the jest worker. The fixture prints JSON lines to stdout.
 */
export function runFixture(name: string, env: Record<string, string> = {}, args: string[] = [], timeout = 60_000): ChildResult {
  const file = path.join(__dirname, '..', 'fixtures', `${name}.js`);
  const result = spawnSync(process.execPath, ['--expose-gc', file, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The JSON objects a fixture printed, one per line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * A finder of the fixture's JSON line whose `probe` is `name` and whose
 * fields match `extra`; it throws with the child's stderr when there is none.
 */
export function probesOf(child: ChildResult): (name: string, extra?: Record<string, unknown>) => Record<string, unknown> {
  const lines = jsonLines(child.stdout);
  return (name, extra = {}) => {
    const found = lines.find((l) => l['probe'] === name && Object.entries(extra).every(([k, v]) => l[k] === v));
    if (found === undefined) throw new Error(`no probe ${name} ${JSON.stringify(extra)}: ${child.stderr}`);
    return found;
  };
}
