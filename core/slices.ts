/**
 * Large batches in slices that give the event loop back between them, so that a page folding the
 * 12,000 records of a space it just joined still draws, scrolls and answers clicks meanwhile, and
 * shows results as they fill in instead of after one long freeze.
 *
 * Slicing never changes what a space shows once the batch is through: views are functions of the
 * set of valid records (DESIGN.md, invariant 2), and the space already folds batches that arrive
 * concurrently or in any order. A slice is a time budget, not a count, so a slow device gets
 * smaller slices and a fast one fewer yields.
 *
 * @example
 * ```ts
 * const clock = sliceClock()
 * for (const item of items) {
 *   work(item)
 *   if (clock.due()) await clock.pause()
 * }
 * ```
 */

/** Work between two yields: long enough that yields cost nothing measurable, well under a 50 ms long task. */
export const SLICE_BUDGET_MS = 20

const nowMs: () => number =
  typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now()

interface SchedulerWithYield {
  yield(): Promise<void>
}

/**
 * Resolves on a later task of the event loop, so rendering, input and timers get their turn:
 * `scheduler.yield()` where the runtime has it (Chromium; it resumes ahead of other queued tasks),
 * a MessageChannel message otherwise (browsers, Node and workers; not clamped like nested
 * timeouts), and a zero timeout where neither exists.
 */
export function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<SchedulerWithYield> }).scheduler
  if (typeof scheduler?.yield === 'function') return scheduler.yield()
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel()
      channel.port1.onmessage = () => {
        channel.port1.close()
        resolve()
      }
      channel.port2.postMessage(null)
    })
  }
  return new Promise((resolve) => setTimeout(resolve, 0))
}

export interface SliceClock {
  /** True once the current slice has used its budget. */
  due(): boolean
  /** Yields (once for every caller waiting at the same moment), then starts a new slice. */
  pause(): Promise<void>
}

/**
 * One clock shared by everything working on a batch: concurrent workers that all see `due()` wait
 * on the same yield, so one slice ends for all of them at once.
 */
export function sliceClock(budgetMs = SLICE_BUDGET_MS, yieldNow: () => Promise<void> = yieldToEventLoop): SliceClock {
  let started = nowMs()
  let pausing: Promise<void> | undefined
  return {
    due: () => pausing !== undefined || nowMs() - started >= budgetMs,
    pause() {
      pausing ??= yieldNow().then(() => {
        pausing = undefined
        started = nowMs()
      })
      return pausing
    },
  }
}

/**
 * Runs `run` over `items` in consecutive slices, each sized so that it takes about one budget
 * (measured on the previous slice), yielding between slices; `stop` ends the work early (a space
 * closed meanwhile). Returns each slice's result in order.
 */
export async function inSlices<T, R>(
  items: readonly T[],
  run: (slice: readonly T[]) => R,
  options: { budgetMs?: number; stop?: () => boolean; yieldNow?: () => Promise<void> } = {},
): Promise<R[]> {
  const budget = options.budgetMs ?? SLICE_BUDGET_MS
  const yieldNow = options.yieldNow ?? yieldToEventLoop
  const out: R[] = []
  // A first slice small enough to be quick anywhere; later ones follow the measured cost per item.
  let size = 64
  for (let start = 0; start < items.length;) {
    if (start > 0) {
      await yieldNow()
      if (options.stop?.()) break
    }
    const slice = items.slice(start, start + size)
    const began = nowMs()
    out.push(run(slice))
    const took = nowMs() - began
    start += slice.length
    const perItem = took / slice.length
    size = perItem > 0 ? Math.max(16, Math.min(8 * size, Math.floor(budget / perItem))) : 8 * size
  }
  return out
}

/**
 * `Promise.all(items.map(fn))` with at most `limit` calls awaited at once; results in input order.
 * Results `fn` gives at once are taken as they are, without a promise; a run of such results that
 * uses up the slice's budget yields to the event loop before going on.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => R | Promise<R>,
  clock: SliceClock = sliceClock(),
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      if (clock.due()) await clock.pause()
      if (next >= items.length) break
      const index = next++
      const result = fn(items[index]!)
      out[index] = result instanceof Promise ? await result : result
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** What folding a batch changed (the shape of a space's change event). */
export interface FoldChange<Id, Rejection> {
  readonly added: readonly Id[]
  readonly rejected: readonly Rejection[]
  readonly membershipChanged: boolean
}

/** Batches at most this large are folded in one go: slicing them would only add a turn of the event loop. */
export const FOLD_AT_ONCE = 256

/**
 * Folds validated records in slices (`fold` is a space's accept: it emits a change per call, so the
 * views fill in as the slices land); the batch's rejections go with the first slice. Returns one
 * change for the whole batch. `stop`: the space closed meanwhile, and the rest is dropped.
 */
export async function foldInSlices<T, Id, Rejection>(
  valid: readonly T[],
  rejected: Rejection[],
  fold: (slice: readonly T[], rejected: Rejection[]) => FoldChange<Id, Rejection>,
  options: { stop?: () => boolean; budgetMs?: number; yieldNow?: () => Promise<void> } = {},
): Promise<FoldChange<Id, Rejection>> {
  if (valid.length <= FOLD_AT_ONCE) return fold(valid, rejected)
  let first = true
  const changes = await inSlices(
    valid,
    (slice) => {
      const change = fold(slice, first ? rejected : [])
      first = false
      return change
    },
    options,
  )
  return {
    added: changes.flatMap((change) => change.added),
    rejected: changes.flatMap((change) => change.rejected),
    membershipChanged: changes.some((change) => change.membershipChanged),
  }
}
