// Stopping a Worker while it is inside an addon call must end the Worker,
// never the process. Termination makes every napi_throw fail; before
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, node-addon-api turned that into
// a C++ exception nobody caught, and the process aborted (9 runs in 10).
// CI's "terminate" stage runs 1,000 terminations per kind.
import { jsonLines, runFixture } from './helpers/child';

const ROUNDS = 60;

describe.each(['sync', 'async', 'capi', 'finalizers'])('Worker.terminate() inside %s addon calls', (kind) => {
  test(`${ROUNDS} terminations end each Worker and leave the process running`, () => {
    const child = runFixture('worker-terminate', {}, [kind, String(ROUNDS)], 120_000);
    expect(child.stderr).not.toMatch(/terminate called|Napi::Error|FATAL ERROR/);
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    expect(jsonLines(child.stdout)).toEqual([{ kind, rounds: ROUNDS, reached: ROUNDS }]);
  });
});
