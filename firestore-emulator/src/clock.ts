/**
 * Microsecond clock for commit and read times.
 *
 * Commit times are strictly increasing (two commits never share a time), and
 * every read time handed out is smaller than any later commit time, so a read
 * at a reported read time is repeatable.
 */
export class Clock {
  private last = 0;

  constructor(private readonly source: () => number = realMicros) {}

  /** A read time: "now", never before anything already handed out. */
  now(): number {
    this.last = Math.max(this.source(), this.last);
    return this.last;
  }

  /** A fresh commit time, strictly after every time handed out so far. */
  tick(): number {
    this.last = Math.max(this.source(), this.last + 1);
    return this.last;
  }

  /** The largest time handed out so far (without advancing). */
  peek(): number {
    return this.last;
  }
}

export function realMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
