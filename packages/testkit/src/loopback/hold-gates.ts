/** A request parked by a fake's `hold()`: `arrived` resolves once it waits; `release()` lets it go on. */
export interface HeldRequest {
  arrived: Promise<void>;
  release(): void;
}

interface Gate {
  /** Which requests this gate parks (e.g. one operation); all when absent. */
  key: string | undefined;
  arrive: () => void;
  released: Promise<void>;
}

/** The fakes' `hold()` switch: park the next matching request until the test releases it. */
export class HoldGates {
  readonly #gates: Gate[] = [];
  readonly #parked = new Set<() => void>();

  hold(key?: string): HeldRequest {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#gates.push({ key, arrive, released });
    return { arrived, release: () => release() };
  }

  /**
   * Parks the caller at the first gate matching `key`, if any. Resolves `true` when released (or when
   * there was no gate), `false` when the fake closes meanwhile and the request must not be processed.
   */
  async pass(key?: string): Promise<boolean> {
    const index = this.#gates.findIndex((gate) => gate.key === undefined || gate.key === key);
    if (index < 0) return true;
    const [gate] = this.#gates.splice(index, 1);
    let abort!: () => void;
    const aborted = new Promise<false>((resolve) => {
      abort = () => resolve(false);
    });
    this.#parked.add(abort);
    gate!.arrive();
    try {
      return await Promise.race([gate!.released.then(() => true), aborted]);
    } finally {
      this.#parked.delete(abort);
    }
  }

  /** Forgets pending gates and aborts parked requests (used by the fakes' `close()`). */
  abortAll(): void {
    this.#gates.length = 0;
    for (const abort of this.#parked) abort();
    this.#parked.clear();
  }
}
