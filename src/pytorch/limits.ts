/**
 * What bounds the evaluator: a step budget and a deadline per phase, and sizes a value may reach.
 * Builtins and operators charge their own work (elements compared, copied, printed) to the same
 * budget as statements, and check sizes before they allocate, so hostile code ends with a reason
 * whatever it calls.
 */

/** The phase's budget ran out, or a value nests deeper than Python itself allows: the phase stops here. */
export class LimitExceeded extends Error {}

export interface Limits {
  maxSteps: number;
  /** Wall-clock stop, ms since the epoch. */
  deadline: number;
  /** Elements a list, tuple or dict may hold, counted as it prints: nested items too, a shared item once per place it appears. */
  maxElements: number;
  /** Characters a string may hold. */
  maxChars: number;
}

export type SizeLimits = Pick<Limits, 'maxElements' | 'maxChars'>;

export const SIZE_LIMITS: SizeLimits = { maxElements: 1_000_000, maxChars: 1_000_000 };

/** Elements compared, copied or printed that cost one evaluation step. */
export const WORK_PER_STEP = 16;

/**
 * Steps a module call costs: running a layer's ops and recording their cost takes what a dozen
 * statements do, and a Sequential calls its children without a statement of the file
 * (`nn.Sequential(*[layer] * 1000000)`).
 */
export const MODULE_CALL_STEPS = 16;

/** Containers nested deeper than this are not compared, printed or hashed: Python raises RecursionError at 1,000. */
export const MAX_NESTING = 1_000;

/** What builtins and operators charge their work to (the interpreter). */
export interface Meter {
  readonly limits: Limits;
  /** Counts `units` of work (WORK_PER_STEP make a step); throws LimitExceeded when the phase's budget is spent. */
  work(units: number): void;
}

export function tooDeep(what: string): LimitExceeded {
  return new LimitExceeded(`stopped: ${what} nests more than ${MAX_NESTING.toLocaleString('en-US')} deep (Python raises RecursionError)`);
}

/**
 * The limit an error stands for: ours, or the engine's own that hostile code can still reach
 * first (the stack, or a string or array past V8's maximum); undefined for a bug of the
 * evaluator. Each phase's runner asks this once, where it catches.
 */
export function asLimit(e: unknown): LimitExceeded | undefined {
  if (e instanceof LimitExceeded) return e;
  if (!(e instanceof RangeError)) return undefined;
  if (/call stack/i.test(e.message)) return new LimitExceeded('stopped: code nested too deeply (the evaluator ran out of stack)');
  if (/Invalid (string|array) length/i.test(e.message)) return new LimitExceeded('stopped: a value too large to build');
  return undefined;
}
