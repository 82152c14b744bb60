import * as path from 'node:path';

/**
 * A debugging hook for the tests of what the server does when a worker dies or hangs, whatever
 * the machine's speed: with FLOPLENS_TEST_WORKER_FAULTS=1 in the server's environment, a worker
 * given a job for a file whose name holds `floplens-fault-exit`, `-oom` or `-hang` exits,
 * allocates until its heap limit stops it, or blocks forever. Unset, as always outside tests,
 * nothing happens.
 */
export function injectFault(file: string): void {
  if (process.env.FLOPLENS_TEST_WORKER_FAULTS !== '1') return;
  const fault = /floplens-fault-(exit|oom|hang)/.exec(path.basename(file))?.[1];
  if (fault === 'exit') process.exit(70);
  if (fault === 'oom') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
  }
  // Blocks without spinning a core; terminate() still stops it.
  if (fault === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
