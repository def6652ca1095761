/**
 * The group: one SQLite transaction shared by the commits that come while a sync of the log is in
 * flight, which the next sync commits just before its fdatasync, so the log gets the pages they
 * changed once for the group instead of once per commit. Each commit runs as a savepoint in it
 * (better-sqlite3 nests its transactions that way), so a refused one still changes nothing.
 * Nothing is lost by waiting: no commit is answered before its sync anyway.
 *
 * While a group is open the connection holds SQLite's write lock (up to one sync): another
 * process writing to the same file waits for it.
 */
import type Database from 'better-sqlite3';

export class CommitGroup {
  private isOpen = false;
  /** Commits applied in the open group. */
  private applied = 0;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  /**
   * Why the group was lost: SQLite rolled the whole of it back (a full disk, an I/O error, no
   * memory) after commits were applied in it. Their revisions were handed out and nobody was
   * answered for them yet: the store fails them all, and every later commit.
   */
  lost: Error | undefined;

  constructor(private readonly db: Database.Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** Opens a group (there is none open). */
  start(): void {
    this.begin.run();
    this.isOpen = true;
    this.applied = 0;
  }

  /** Runs one commit (`fn`, a better-sqlite3 transaction): in the group when one is open. */
  run<T>(fn: () => T): T {
    let out: T;
    try {
      out = fn();
    } catch (e) {
      // A refused commit rolls back its savepoint alone. With no earlier commit in the group,
      // losing the group fails this one only, as it would have alone.
      if (this.isOpen && !this.db.inTransaction) {
        this.isOpen = false;
        if (this.applied > 0) this.lost = new Error(`a group of commits was rolled back by SQLite: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
    if (this.isOpen) this.applied++;
    return out;
  }

  /** Commits the group, if one is open; if COMMIT throws, it stays open for drop(). */
  end(): void {
    if (!this.isOpen) return;
    this.commit.run();
    this.isOpen = false;
  }

  /** Rolls the group back, if one is open. */
  drop(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    if (this.db.open && this.db.inTransaction) this.rollback.run();
  }
}
