import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { Job, JobResults, WorkerReply, WorkerRequest } from './worker-protocol';

/** A job dropped because nobody wants its result any more. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * A job whose worker died under it or ran past its budget; the message is the one line the file
 * gets: `analysis stopped: out of memory (…)`, `… took longer than 30 s`, `… the worker crashed (…)`.
 */
export class WorkerStopped extends Error {
  constructor(readonly reason: string) {
    super(`analysis stopped: ${reason}`);
  }
}

/** How a pool starts and bounds its workers. */
export interface PoolOptions {
  /** Starts a worker with these V8 limits (server/worker-limits.ts). */
  spawn(limits: ResourceLimits): Worker;
  limits: ResourceLimits;
  size: number;
  /** Cancelling a running job stops its worker (stateless workers only). */
  stopOnCancel: boolean;
  /** Wall-clock budget of one job once posted to a ready worker; past it the worker is stopped. */
  jobMs: number;
  hold?: JobHold;
}

/** Resolves like `p`, or rejects with Cancelled as soon as the token fires. */
export function raceToken<T>(p: Promise<T>, token: CancellationToken): Promise<T> {
  if (token.isCancellationRequested) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const sub = token.onCancellationRequested(() => {
      sub.dispose();
      reject(new Cancelled());
    });
    p.then(
      (v) => (sub.dispose(), resolve(v)),
      (e: unknown) => (sub.dispose(), reject(e)),
    );
  });
}

export interface JobHandle<K extends Job['kind']> {
  result: Promise<JobResults[K]>;
  /** Drops the job: taken off the queue, or its worker stopped when the pool may do so. */
  cancel(): void;
}

interface Pending {
  id: number;
  job: Job;
  resolve(v: unknown): void;
  reject(e: Error): void;
  onStart?: () => void;
}

interface Slot {
  worker?: Worker;
  /** Resolves once the worker has loaded its code: a job's budget counts from its post, not the load. */
  ready?: Promise<void>;
  running?: Pending;
  /** Stops the running job at its budget. */
  budget?: NodeJS.Timeout;
  /** Why the pool stopped the worker, when it did (the budget). */
  stopping?: string;
}

/**
 * Worker threads, each running one job at a time from a shared queue, under V8 resource limits
 * and a wall-clock budget per job. A worker that dies (out of memory, a crash) or runs past the
 * budget fails only its own job, with a WorkerStopped naming why, and is replaced on demand: the
 * server goes on serving every other file. With `stopOnCancel`, cancelling a running job stops
 * its worker: the only way to interrupt synchronous work, and cheap next to a long profile.
 */
export class WorkerPool {
  private readonly queue: Pending[] = [];
  private readonly slots: Slot[];
  private nextId = 1;

  constructor(private readonly options: PoolOptions) {
    this.slots = Array.from({ length: options.size }, () => ({}));
  }

  /** Queues a job; `urgent` ones (someone is waiting on screen) go before background work. */
  submit<K extends Job['kind']>(job: Job & { kind: K }, opts: { urgent?: boolean; onStart?: () => void } = {}): JobHandle<K> {
    let pending!: Pending;
    const result = new Promise<JobResults[K]>((resolve, reject) => {
      pending = { id: this.nextId++, job, resolve: resolve as (v: unknown) => void, reject, onStart: opts.onStart };
    });
    if (opts.urgent) this.queue.unshift(pending);
    else this.queue.push(pending);
    this.dispatch();
    return { result, cancel: () => this.cancel(pending) };
  }

  dispose(): void {
    this.queue.splice(0).forEach((p) => p.reject(new Cancelled()));
    for (const slot of this.slots) {
      slot.running?.reject(new Cancelled());
      this.stop(slot);
    }
  }

  private cancel(p: Pending): void {
    const queued = this.queue.indexOf(p);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      p.reject(new Cancelled());
      return;
    }
    const slot = this.slots.find((s) => s.running === p);
    if (!slot || !this.options.stopOnCancel) return;
    this.stop(slot);
    p.reject(new Cancelled());
    this.dispatch();
  }

  /** Drops a slot's worker (its running job is the caller's to settle). */
  private stop(slot: Slot): void {
    clearTimeout(slot.budget);
    slot.running = undefined;
    void slot.worker?.terminate();
    slot.worker = undefined;
    slot.ready = undefined;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.running || !this.queue.length) continue;
      const p = this.queue.shift()!;
      slot.running = p;
      if (!slot.worker) this.start(slot);
      p.onStart?.();
      const hold = this.options.hold;
      const held = hold?.holding() ? hold.until(p.job) : Promise.resolve();
      void Promise.all([held, slot.ready]).then(() => this.post(slot, p));
    }
  }

  private post(slot: Slot, p: Pending): void {
    // Cancelled, or its worker gone, while held or loading: nothing to post.
    if (slot.running !== p || !slot.worker) return;
    const w = slot.worker;
    slot.budget = setTimeout(() => {
      if (slot.running !== p || slot.worker !== w) return;
      slot.stopping = `took longer than ${seconds(this.options.jobMs)}`;
      void w.terminate();
    }, this.options.jobMs);
    w.postMessage({ id: p.id, job: p.job } satisfies WorkerRequest);
  }

  private start(slot: Slot): void {
    const limits = this.options.limits;
    const w = this.options.spawn(limits);
    slot.worker = w;
    slot.stopping = undefined;
    // Idle workers must not keep the server alive once its connection is gone.
    w.unref();
    let loaded!: () => void;
    slot.ready = new Promise<void>((resolve) => (loaded = resolve));
    let died = '';
    w.on('message', (reply: WorkerReply) => {
      if (slot.worker !== w) return;
      if ('ready' in reply) return loaded();
      const p = slot.running;
      if (!p || p.id !== reply.id) return;
      clearTimeout(slot.budget);
      slot.running = undefined;
      if ('failure' in reply) p.reject(new Error(reply.failure));
      else p.resolve(reply.result);
      this.dispatch();
    });
    w.on('error', (e: Error & { code?: string }) => {
      died = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `out of memory (over the ${limits.maxOldGenerationSizeMb} MB the analysis may use)` : `the worker crashed: ${e.message.split('\n')[0]}`;
    });
    w.on('exit', (code) => {
      if (slot.worker !== w) return;
      const p = slot.running;
      const why = slot.stopping ?? (died || `the worker crashed (exit code ${code})`);
      this.stop(slot);
      p?.reject(new WorkerStopped(why));
      this.dispatch();
    });
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * A debugging hook, for tests that must catch a job under way (cancel it, supersede it, watch its
 * progress) whatever the machine's speed: the server reads FLOPLENS_TEST_HOLD_JOBS=<file> once at
 * start. While <file> exists, a job handed to a worker waits before it is posted, counted as
 * running (so cancelling it stops its worker), and the server's stderr says
 * `FlopLens: holding <kind> <file name>`; deleting <file> lets every held job run. Unset — as
 * always outside tests — nothing is held and nothing is watched.
 */
export class JobHold {
  private released?: Promise<void>;

  private constructor(private readonly file: string) {}

  static fromEnv(env: NodeJS.ProcessEnv): JobHold | undefined {
    const file = env.FLOPLENS_TEST_HOLD_JOBS;
    return file ? new JobHold(path.resolve(file)) : undefined;
  }

  holding(): boolean {
    return fs.existsSync(this.file);
  }

  /** Resolves once the file is gone; says on stderr what it holds, which is what tests wait for. */
  until(job: Job): Promise<void> {
    process.stderr.write(`FlopLens: holding ${job.kind} ${path.basename(job.file)}\n`);
    if (!this.released) {
      let watcher: fs.FSWatcher | undefined;
      this.released = new Promise<void>((resolve) => {
        const check = (): void => {
          if (!this.holding()) resolve();
        };
        try {
          watcher = fs.watch(path.dirname(this.file), check);
        } catch {
          resolve(); // its folder is gone, so is the file
        }
        check(); // deleted before the watch began
      }).then(() => {
        watcher?.close();
        this.released = undefined;
      });
    }
    return this.released;
  }
}
