/**
 * Concurrency limits (per host and global) and de-duplication of identical
 * work in flight, both cancellable through AbortSignal.
 */

export type Release = () => void;

/** Thrown when a wait is abandoned because its signal aborted. */
export class AbortedWait extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

/** A counting semaphore whose waiters leave the queue when their signal aborts. */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new AbortedWait());
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(this.releaser());
      };
      const onAbort = (): void => {
        const index = this.queue.indexOf(grant);
        if (index >= 0) this.queue.splice(index, 1);
        reject(new AbortedWait());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.queue.shift();
      if (next) next();
    };
  }
}

/** A slot under both a per-host and a global limit. */
export class Limiter {
  private readonly hosts = new Map<string, Semaphore>();
  private readonly global: Semaphore;

  constructor(
    private readonly perHost: number,
    globalMax: number,
  ) {
    this.global = new Semaphore(Math.max(1, globalMax));
  }

  async acquire(host: string, signal?: AbortSignal): Promise<Release> {
    let hostLimit = this.hosts.get(host);
    if (!hostLimit) {
      hostLimit = new Semaphore(Math.max(1, this.perHost));
      this.hosts.set(host, hostLimit);
    }
    // Host first, then global: a request waiting on a busy host holds no global slot.
    const releaseHost = await hostLimit.acquire(signal);
    try {
      const releaseGlobal = await this.global.acquire(signal);
      return () => {
        releaseGlobal();
        releaseHost();
      };
    } catch (err) {
      releaseHost();
      throw err;
    }
  }
}

interface Shared<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/**
 * Runs one task per key at a time; later callers with the same key share it.
 * A caller whose signal aborts leaves at once; the task itself is aborted only
 * when every caller has left.
 */
export class InFlight<T> {
  private readonly running = new Map<string, Shared<T>>();

  run(key: string, signal: AbortSignal | undefined, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortedWait());
    let shared = this.running.get(key);
    if (!shared) {
      const controller = new AbortController();
      const entry: Shared<T> = { controller, waiters: 0, promise: Promise.resolve(undefined as T) };
      entry.promise = task(controller.signal).finally(() => {
        if (this.running.get(key) === entry) this.running.delete(key);
      });
      // The shared promise may end with nobody listening (all callers left).
      entry.promise.catch(() => undefined);
      this.running.set(key, entry);
      shared = entry;
    }
    return this.join(key, shared, signal);
  }

  /** True when a task for this key is running (for tests and statistics). */
  has(key: string): boolean {
    return this.running.has(key);
  }

  private join(key: string, shared: Shared<T>, signal: AbortSignal | undefined): Promise<T> {
    shared.waiters++;
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        shared.waiters--;
      };
      const onAbort = (): void => {
        leave();
        if (shared.waiters === 0) {
          if (this.running.get(key) === shared) this.running.delete(key);
          shared.controller.abort();
        }
        reject(new AbortedWait());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (value) => {
          signal?.removeEventListener('abort', onAbort);
          leave();
          resolve(value);
        },
        (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          leave();
          reject(err);
        },
      );
    });
  }
}

/** Waits `ms`, rejecting early with AbortedWait when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedWait());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedWait());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
