import { mock } from 'node:test';

/**
 * The PyTorch analysis stops at a wall-clock deadline (src/pytorch/analyze.ts: hostile code must
 * not stall the editor), so on a loaded machine it could stop early and find less. Tests check
 * what it finds: called at the top of a test file, the clock the deadline reads (Date.now) stands
 * still for the rest of that file's process, and a loaded machine gets the analysis an idle one
 * gets. Timers and performance.now run on; a test of the deadline mocks its own clock.
 */
export function stopAnalysisClock(): void {
  const now = Date.now();
  mock.method(Date, 'now', () => now);
}
