/** Seeded randomness for simulations: same seed, same run, so every failure can be replayed. */

export interface Random {
  /** uniform in [0, 1) */
  next(): number
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  shuffle<T>(items: T[]): T[]
  chance(probability: number): boolean
}

/** mulberry32: tiny, fast, and good enough for scheduling decisions (not for keys). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list')
      return items[int(0, items.length - 1)]!
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(0, i)
        ;[items[i], items[j]] = [items[j]!, items[i]!]
      }
      return items
    },
    chance: (probability) => next() < probability,
  }
}
