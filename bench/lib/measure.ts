/** Small measuring helpers: medians, timers, garbage collection and formatting. */

export const now = (): number => performance.now()
/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now()

export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function spread(values: readonly number[]): { min: number; max: number } {
  const finite = values.filter((value) => Number.isFinite(value))
  return { min: Math.min(...finite), max: Math.max(...finite) }
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times measured; returns the times in ms. */
export async function timeRuns(fn: () => unknown, runs: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    gc()
    const start = now()
    await fn()
    times.push(now() - start)
  }
  return times
}

/** A full garbage collection when the process runs with --expose-gc; a no-op otherwise. */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect) {
    collect()
    collect()
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `check` is true, polling; throws after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string, pollMs = 2): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(pollMs)
  }
}

/** 12345.6 -> "12,346"; small numbers keep up to 3 significant digits. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return 'n/a'
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs === 0) return '0'
  return Number(value.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 })
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a'
  if (ms >= 10_000) return `${fmt(ms / 1000)} s`
  if (ms >= 1) return `${fmt(ms)} ms`
  return `${fmt(ms * 1000)} µs`
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a'
  if (bytes >= 1024 * 1024) return `${fmt(bytes / 1024 / 1024)} MiB`
  if (bytes >= 1024) return `${fmt(bytes / 1024)} KiB`
  return `${fmt(bytes)} B`
}

export const ratio = (value: number): string => (Number.isFinite(value) ? `${fmt(value)}x` : 'n/a')
