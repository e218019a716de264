// A FIFO async mutex: better-sqlite3 is synchronous but the engine awaits inside a transaction, so
// two transactions on the one connection must queue rather than interleave.

export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Acquirers whose releaser has not run yet (holding, waiting, or given up and not yet passed on). */
  private outstanding = 0;

  /**
   * Resolves with a release function once every earlier holder has released; with `timeoutMs`, resolves
   * with undefined instead if that takes longer. A waiter that gave up keeps its place in the queue and
   * passes its turn on at once when it comes, so the holders after it are not held up.
   */
  acquire(): Promise<() => void>;
  acquire(timeoutMs: number): Promise<(() => void) | undefined>;
  acquire(timeoutMs?: number): Promise<(() => void) | undefined> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    // Nobody holds or waits: the turn comes after a microtask, so no timer is needed (a setTimeout and
    // clearTimeout per transaction were a few percent of a Get).
    const free = this.outstanding === 0;
    this.outstanding++;
    let released = false;
    const releaser = () => {
      // A double release must not free a later holder's turn.
      if (released) return;
      released = true;
      this.outstanding--;
      release();
    };
    if (timeoutMs === undefined || free) return prev.then(() => releaser);
    return new Promise((resolve) => {
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        resolve(undefined);
      }, timeoutMs);
      void prev.then(() => {
        clearTimeout(timer);
        if (gaveUp) releaser();
        else resolve(releaser);
      });
    });
  }
}
