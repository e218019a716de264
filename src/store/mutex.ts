// A FIFO async mutex: better-sqlite3 is synchronous but the engine awaits inside a transaction, so
// two transactions on the one connection must queue rather than interleave.

export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    let released = false;
    return prev.then(() => () => {
      // A double release must not free a later holder's turn.
      if (released) return;
      released = true;
      release();
    });
  }
}
