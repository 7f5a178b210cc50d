/**
 * Hybrid logical clocks (Kulkarni et al., 2014). A timestamp is [wall milliseconds, counter].
 * Timestamps are claims signed into records: they order records deterministically but are never
 * used to decide validity, because a peer's clock (or honesty) cannot be checked.
 */

export type Hlc = readonly [wall: number, counter: number]

export const MAX_COUNTER = 0x7fffffff

export function compareHlc(a: Hlc, b: Hlc): number {
  return a[0] - b[0] || a[1] - b[1]
}

export const isHlc = (value: unknown): value is Hlc =>
  Array.isArray(value) &&
  value.length === 2 &&
  Number.isSafeInteger(value[0]) &&
  value[0] >= 0 &&
  Number.isSafeInteger(value[1]) &&
  value[1] >= 0 &&
  value[1] <= MAX_COUNTER

export interface HlcClock {
  /** A timestamp greater than every timestamp this clock has issued or observed. */
  now(): Hlc
  /** Takes a remote timestamp into account, unless it is implausibly far in the future. */
  observe(remote: Hlc): void
  /** The latest timestamp issued or observed. */
  readonly last: Hlc
}

export interface HlcOptions {
  /** Wall clock, injectable for tests. */
  wallClock?: () => number
  /**
   * Remote timestamps further ahead of the local wall clock than this are not followed, so one
   * peer with a broken or hostile clock cannot drag everybody's clock into the future. They still count as
   * valid records: this only affects the timestamps this peer issues.
   */
  maxDriftMs?: number
}

export function createHlc(options: HlcOptions = {}): HlcClock {
  const wallClock = options.wallClock ?? Date.now
  const maxDrift = options.maxDriftMs ?? 60_000
  let last: Hlc = [0, 0]
  return {
    now() {
      const wall = Math.max(wallClock(), 0)
      if (wall > last[0]) last = [wall, 0]
      // Counter exhausted (possibly by a peer's timestamp): borrow the next millisecond instead of overflowing.
      else if (last[1] >= MAX_COUNTER) last = [last[0] + 1, 0]
      else last = [last[0], last[1] + 1]
      return last
    },
    observe(remote) {
      if (remote[0] > wallClock() + maxDrift) return
      if (compareHlc(remote, last) > 0) last = remote
    },
    get last() {
      return last
    },
  }
}
