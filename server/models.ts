import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DiagnosticSeverity, type CancellationToken, type Diagnostic } from 'vscode-languageserver';
import type { ProfileOptions } from '../src/formats';
import { diagnosticsOf, stateOf, type Budget } from './budgets';
import { modelOptions, optionsKey, usedBindings } from './bindings';
import type { Bindings, ModelSummary, ProfileResult, Settings } from '../common/protocol';
import { Cancelled, raceToken, type WorkerPool } from './worker-pool';
import { isInside, pathToUri } from './workspace';
import type { ProfileOutcome } from './worker-protocol';

/** What the model store needs from the server around it. */
export interface StoreHost {
  settings(): Settings;
  budgetFor(file: string): Budget | undefined;
  publishDiagnostics(uri: string, diagnostics: Diagnostic[]): void;
  modelChanged(uri: string): void;
  /** Shows progress until `done()`; resolves to a no-op when the client has no progress UI. */
  beginProgress(title: string): Promise<{ done(): void }>;
}

export interface Timed {
  outcome: ProfileOutcome;
  /** Wall time of the worker job; 0 when served from the cache. */
  profileMs: number;
}

/** A model of the workspace: its bindings, its latest profile, its diagnostics. */
interface Tracked {
  file: string;
  uri: string;
  /** What Set Input Shape… gave it, on top of `floplens.dims`. */
  own?: Bindings;
  /** The options `timed` was profiled with. */
  options: ProfileOptions;
  timed?: Timed;
  /** The latest refresh; a newer one replaces it. */
  pending: Promise<void>;
  generation: number;
}

/** Progress shows for profiles running longer than this, or at once for files this large. */
const PROGRESS_AFTER_MS = 200;
const PROGRESS_AT_BYTES = 256 * 2 ** 20;
/** Profiles kept (a 20,000-node report is some MB): the models open in panels and lenses, and recent what-ifs. */
const CACHE_ENTRIES = 32;

const NO_RANGE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * One worker job, shared by everyone asking for the same file, stamp and bindings. A job for a
 * newer stamp supersedes it: its waiters get the newer result and its own job is dropped. It is
 * also dropped when every waiter has cancelled.
 */
class Flight {
  waiters = 0;
  readonly result: Promise<Timed>;
  private next?: Flight;
  private settled = false;
  private resolve!: (v: Timed | Promise<Timed>) => void;
  private reject!: (e: Error) => void;

  constructor(
    readonly stamp: string,
    private readonly cancelJob: () => void,
  ) {
    this.result = new Promise<Timed>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Waiters may all have gone; the rejection is theirs to see, not an unhandled one.
    this.result.catch(() => undefined);
  }

  settle(v: Timed): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(v);
  }

  fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }

  supersede(newer: Flight): void {
    if (this.settled) return;
    this.settled = true;
    this.next = newer;
    newer.waiters += this.waiters;
    this.resolve(newer.result);
    this.cancelJob();
  }

  /** The result for one waiter; a waiter without a token (background work) never cancels. */
  wait(token?: CancellationToken): Promise<Timed> {
    this.last().waiters++;
    if (!token) return this.result;
    return new Promise<Timed>((resolve, reject) => {
      const sub = token.onCancellationRequested(() => {
        sub.dispose();
        reject(new Cancelled());
        const f = this.last();
        if (--f.waiters === 0 && !f.settled) f.cancelJob();
      });
      this.result.then(
        (v) => (sub.dispose(), resolve(v)),
        (e: Error) => (sub.dispose(), reject(e)),
      );
    });
  }

  private last(): Flight {
    let f: Flight = this;
    while (f.next) f = f.next;
    return f;
  }
}

/**
 * The models the server knows, and every profile it runs: cached by path, size, mtime and
 * bindings, run in worker threads, shared between concurrent askers.
 */
export class ModelStore {
  private readonly models = new Map<string, Tracked>();
  private readonly cache = new Map<string, ProfileOutcome>();
  private readonly flights = new Map<string, Flight>();

  constructor(
    private readonly host: StoreHost,
    private readonly pool: WorkerPool,
  ) {}

  /** The options a model is profiled with when nobody gives others. */
  optionsOf(file: string): ProfileOptions {
    return modelOptions(this.host.settings().dims, this.models.get(file)?.own);
  }

  /** Profiles a file (cache first). Rejects with Cancelled when the token fires. */
  async profile(file: string, options: ProfileOptions, token?: CancellationToken, urgent = false): Promise<Timed> {
    let st;
    try {
      st = await fs.stat(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'a loop of symbolic links' : (e as Error).message;
      return { outcome: { error: `${path.basename(file)}: ${why}` }, profileMs: 0 };
    }
    const stamp = `${st.size}:${st.mtimeMs}`;
    const bkey = optionsKey(options);
    const cacheKey = `${file}\n${stamp}\n${bkey}`;
    const hit = this.cache.get(cacheKey);
    if (hit) {
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
      return { outcome: hit, profileMs: 0 };
    }
    const flightKey = `${file}\n${bkey}`;
    let flight = this.flights.get(flightKey);
    if (!flight || flight.stamp !== stamp) {
      const older = flight;
      flight = this.launch(file, options, stamp, st.size, cacheKey, flightKey, urgent);
      this.flights.set(flightKey, flight);
      older?.supersede(flight);
    }
    return flight.wait(token);
  }

  private launch(file: string, options: ProfileOptions, stamp: string, size: number, cacheKey: string, flightKey: string, urgent: boolean): Flight {
    let started = 0;
    let progress: { finish(): void } | undefined;
    const handle = this.pool.submit(
      { kind: 'profile', file, bindings: options },
      {
        urgent,
        onStart: () => {
          started = Date.now();
          progress = this.progress(file, size);
        },
      },
    );
    const flight = new Flight(stamp, () => handle.cancel());
    handle.result
      .then(
        (outcome) => {
          this.remember(cacheKey, outcome);
          flight.settle({ outcome, profileMs: Date.now() - started });
        },
        (e: Error) => {
          if (e instanceof Cancelled) flight.fail(e);
          // The worker died: say so for this file, but do not cache it, the next try may work.
          else flight.settle({ outcome: { error: `${path.basename(file)}: ${e.message}` }, profileMs: 0 });
        },
      )
      .finally(() => {
        progress?.finish();
        if (this.flights.get(flightKey) === flight) this.flights.delete(flightKey);
      });
    return flight;
  }

  private remember(key: string, outcome: ProfileOutcome): void {
    this.cache.set(key, outcome);
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= CACHE_ENTRIES) break;
      this.cache.delete(oldest);
    }
  }

  private progress(file: string, size: number): { finish(): void } {
    let reporter: Promise<{ done(): void }> | undefined;
    const begin = (): void => {
      reporter = this.host.beginProgress(`FlopLens: profiling ${path.basename(file)}`);
    };
    const timer = size >= PROGRESS_AT_BYTES ? (begin(), undefined) : setTimeout(begin, PROGRESS_AFTER_MS);
    return {
      finish: () => {
        clearTimeout(timer);
        void reporter?.then((r) => r.done(), () => undefined);
      },
    };
  }

  /** The wire result of a profile, with the budget state under the current settings. */
  resultOf(file: string, options: ProfileOptions, timed: Timed): ProfileResult {
    const { report, error, figures } = timed.outcome;
    return {
      uri: pathToUri(file),
      bindings: usedBindings(options, report),
      ...(report ? { report } : {}),
      ...(error ? { error } : {}),
      budget: stateOf(this.host.budgetFor(file), figures),
      profileMs: timed.profileMs,
    };
  }

  /** Starts tracking a model (and profiling it in the background); no-op when already tracked. */
  track(file: string): void {
    if (this.models.has(file)) return;
    const m: Tracked = { file, uri: pathToUri(file), options: {}, pending: Promise.resolve(), generation: 0 };
    this.models.set(file, m);
    void this.refresh(m);
  }

  /** Re-profiles a tracked model (file changed); diagnostics and ModelChanged follow. */
  changed(file: string): void {
    const m = this.models.get(file);
    if (m) void this.refresh(m);
    else this.track(file);
  }

  private refresh(m: Tracked, urgent = false): Promise<void> {
    const generation = ++m.generation;
    const options = modelOptions(this.host.settings().dims, m.own);
    m.pending = this.profile(m.file, options, undefined, urgent).then(
      (timed) => {
        // A newer refresh (or forgetting the model) makes this one moot.
        if (generation !== m.generation || this.models.get(m.file) !== m) return;
        m.timed = timed;
        m.options = options;
        this.publish(m);
        this.host.modelChanged(m.uri);
      },
      () => undefined, // cancelled: only when the server shuts down
    );
    return m.pending;
  }

  /** Sets a model's own bindings and re-profiles it. */
  async setBindings(file: string, bindings: Bindings, token: CancellationToken): Promise<ProfileResult> {
    this.track(file);
    const m = this.models.get(file)!;
    m.own = bindings;
    void this.refresh(m, true);
    return this.current(file, token);
  }

  /** A tracked model's latest profile, waiting for the refresh under way. */
  async current(file: string, token?: CancellationToken): Promise<ProfileResult> {
    this.track(file);
    const m = this.models.get(file)!;
    for (;;) {
      const pending = m.pending;
      await (token ? raceToken(pending, token) : pending);
      if (pending !== m.pending && this.models.get(file) === m) continue;
      const gone = this.models.get(file) !== m ? 'no such file' : !m.timed ? 'not profiled: the server is shutting down' : undefined;
      return this.resultOf(file, m.options, gone ? { outcome: { error: `${path.basename(file)}: ${gone}` }, profileMs: 0 } : m.timed!);
    }
  }

  async list(token: CancellationToken): Promise<ModelSummary[]> {
    const files = [...this.models.keys()].sort();
    const results = await Promise.all(files.map((f) => this.current(f, token)));
    return results.map((r) => {
      const t = r.report?.totals;
      return {
        uri: r.uri,
        ...(t ? { params: t.params, macs: t.macs, flops: t.flops } : {}),
        ...(r.error ? { error: r.error } : {}),
        overBudget: r.budget.violations.length > 0,
      };
    });
  }

  /** Stops tracking a deleted file, or every model under a deleted folder, clearing their diagnostics. */
  forget(deleted: string): void {
    for (const m of [...this.models.values()]) {
      if (m.file !== deleted && !isInside(deleted, m.file)) continue;
      this.models.delete(m.file);
      m.generation++;
      this.host.publishDiagnostics(m.uri, []);
      this.host.modelChanged(m.uri);
    }
  }

  /** Settings changed: models whose bindings changed are re-profiled, the others re-checked against the budgets. */
  settingsChanged(): void {
    for (const m of this.models.values()) {
      const options = modelOptions(this.host.settings().dims, m.own);
      if (optionsKey(options) !== optionsKey(m.options) || !m.timed) void this.refresh(m);
      else {
        this.publish(m);
        this.host.modelChanged(m.uri);
      }
    }
  }

  private publish(m: Tracked): void {
    const diagnostics: Diagnostic[] = [];
    const add = (severity: DiagnosticSeverity, message: string): void => {
      diagnostics.push({ range: NO_RANGE, severity, source: 'floplens', message });
    };
    const { error, figures } = m.timed?.outcome ?? {};
    if (error) add(DiagnosticSeverity.Error, error);
    const budget = this.host.budgetFor(m.file);
    if (budget) for (const f of diagnosticsOf(budget, figures, this.host.settings().budgetSeverity).findings) add(f.severity, f.message);
    this.host.publishDiagnostics(m.uri, diagnostics);
  }
}
