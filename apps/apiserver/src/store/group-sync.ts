/**
 * Group commit. A commit is applied at once (SQLite appends it to its write-ahead log without
 * syncing) and counts as durable only once an fdatasync of the log that began after it has
 * returned. One fdatasync covers every commit applied before it starts, so the commits that arrive
 * while one is in flight share the next one: under load one sync serves many writes, and the
 * event loop never waits on the disk.
 *
 * A failed sync fails every waiter and every later call: after a failed fsync the kernel may have
 * dropped the dirty pages, so nothing written since can be promised (PostgreSQL's lesson).
 */
export class StoreSyncError extends Error {
  override readonly name = 'StoreSyncError';
  constructor(cause: unknown) {
    super(`the store could not sync its log to disk: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

interface Waiter {
  revision: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class GroupSync {
  private appliedRevision: number;
  private durableRevision: number;
  private syncing = false;
  /** Another sync must follow the one in flight, waiters or not (see follow()). */
  private again = false;
  private waiters: Waiter[] = [];
  private failure: StoreSyncError | undefined;
  private syncCount = 0;

  /** `syncFile` makes everything written to the log so far durable (fdatasync of its file). */
  constructor(
    private readonly syncFile: () => Promise<void>,
    revision: number,
  ) {
    this.appliedRevision = revision;
    this.durableRevision = revision;
  }

  /** Commits up to `revision` are in the log, not yet known to be on disk. */
  applied(revision: number): void {
    if (revision > this.appliedRevision) this.appliedRevision = revision;
  }

  /** The highest revision known to be on disk. */
  get durable(): number {
    return this.durableRevision;
  }

  /** Whether a sync is in flight. */
  get busy(): boolean {
    return this.syncing;
  }

  /**
   * Another sync runs once the one in flight returns, whether or not anybody waits for it: the
   * store has written something since that the next sync must take to disk (its open transaction).
   */
  follow(): void {
    if (this.syncing) this.again = true;
    else this.start();
  }

  /** How many syncs ran (each covering one or more commits). */
  get syncs(): number {
    return this.syncCount;
  }

  /** Throws the sync failure, if there was one: nothing may be written after it. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Resolves once every commit up to `revision` (default: all applied so far) is on disk. */
  until(revision = this.appliedRevision): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    revision = Math.min(revision, this.appliedRevision); // nothing beyond what is applied to wait for
    if (revision <= this.durableRevision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ revision, resolve, reject });
      this.start();
    });
  }

  private start(): void {
    if (this.syncing || this.failure) return;
    this.syncing = true;
    this.again = false;
    this.syncCount++;
    const covers = this.appliedRevision;
    // Through a promise even if syncFile throws at once: `syncing` must always be cleared.
    Promise.resolve().then(this.syncFile).then(
      () => {
        this.syncing = false;
        this.durableRevision = Math.max(this.durableRevision, covers);
        const done: Waiter[] = [];
        const waiting: Waiter[] = [];
        for (const w of this.waiters) (w.revision <= covers ? done : waiting).push(w);
        this.waiters = waiting;
        // In the order they asked: the registry's announcements then its answers, revision by revision.
        for (const w of done) w.resolve();
        if (waiting.length || this.again) this.start();
      },
      (e: unknown) => {
        this.syncing = false;
        this.failure = new StoreSyncError(e);
        const failed = this.waiters;
        this.waiters = [];
        for (const w of failed) w.reject(this.failure);
      },
    );
  }
}
