/**
 * The device's unread marks as runes state (see lib/unread.ts): loaded per space when it opens,
 * moved forward while a tab is in view, written to the app's IndexedDB store. A mark only moves
 * forward, so two tabs of the app open on one space cannot take each other's reading back.
 */
import { compareHlc, type Hlc } from '../../../core/index.js'
import type { Tab } from '../lib/routes.js'
import type { Seen, SeenStore } from '../lib/unread.js'

export class UnreadMarks {
  private marks = $state.raw<Readonly<Record<string, Seen>>>({})
  private writes = new Map<string, Promise<void>>()

  constructor(private readonly store: () => SeenStore | undefined) {}

  /** The marks of a space, or undefined until they are read from storage. */
  of(spaceId: string): Seen | undefined {
    return this.marks[spaceId]
  }

  async load(spaceId: string): Promise<void> {
    if (this.marks[spaceId]) return
    const seen =
      (await this.store()
        ?.load(spaceId)
        .catch(() => undefined)) ?? {}
    if (!this.marks[spaceId]) this.marks = { ...this.marks, [spaceId]: seen }
  }

  /** Marks a tab seen up to `at`, if that is newer than its mark. */
  mark(spaceId: string, tab: Tab, at: Hlc): void {
    const current = this.marks[spaceId]
    if (!current) return
    const previous = current[tab]
    if (previous && compareHlc(at, previous) <= 0) return
    const next = { ...current, [tab]: at }
    this.marks = { ...this.marks, [spaceId]: next }
    // One write at a time per space, each with the latest marks: order cannot roll a mark back.
    const before = this.writes.get(spaceId) ?? Promise.resolve()
    const write = before.then(() => this.store()?.save(spaceId, this.marks[spaceId] ?? next)).catch(() => undefined)
    this.writes.set(spaceId, write)
  }
}
