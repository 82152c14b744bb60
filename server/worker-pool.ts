import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Job, JobResults, WorkerReply, WorkerRequest } from './worker-protocol';

/** A job dropped because nobody wants its result any more. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
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
  running?: Pending;
}

/**
 * Worker threads, each running one job at a time from a shared queue. A worker that dies fails
 * only its own job and is replaced on demand. With `stopOnCancel`, cancelling a running job stops
 * its worker: the only way to interrupt synchronous work, and cheap next to a long profile.
 */
export class WorkerPool {
  private readonly queue: Pending[] = [];
  private readonly slots: Slot[];
  private nextId = 1;

  constructor(
    private readonly spawn: () => Worker,
    size: number,
    private readonly stopOnCancel: boolean,
    private readonly hold?: JobHold,
  ) {
    this.slots = Array.from({ length: size }, () => ({}));
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
      slot.running = undefined;
      void slot.worker?.terminate();
      slot.worker = undefined;
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
    if (!slot || !this.stopOnCancel) return;
    slot.running = undefined;
    void slot.worker?.terminate();
    slot.worker = undefined;
    p.reject(new Cancelled());
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.running || !this.queue.length) continue;
      const p = this.queue.shift()!;
      slot.running = p;
      slot.worker ??= this.start(slot);
      p.onStart?.();
      // Cancelled or its worker gone while held: nothing to post.
      const post = (): void => {
        if (slot.running === p) slot.worker?.postMessage({ id: p.id, job: p.job } satisfies WorkerRequest);
      };
      if (this.hold?.holding()) void this.hold.until(p.job).then(post);
      else post();
    }
  }

  private start(slot: Slot): Worker {
    const w = this.spawn();
    // Idle workers must not keep the server alive once its connection is gone.
    w.unref();
    let lastError = '';
    w.on('message', (reply: WorkerReply) => {
      const p = slot.running;
      if (slot.worker !== w || !p || p.id !== reply.id) return;
      slot.running = undefined;
      if ('failure' in reply) p.reject(new Error(reply.failure));
      else p.resolve(reply.result);
      this.dispatch();
    });
    w.on('error', (e) => {
      lastError = `: ${e.message}`;
    });
    w.on('exit', (code) => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      const p = slot.running;
      slot.running = undefined;
      p?.reject(new Error(`the profile worker stopped (exit code ${code})${lastError}`));
      this.dispatch();
    });
    return w;
  }
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
