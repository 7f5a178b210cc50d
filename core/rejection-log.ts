/** Observable record of rejections: counters per reason plus a bounded log of the most recent ones. */
import type { Rejection, RejectionReason } from './rejection.js'

export interface RejectionSummary {
  readonly total: number
  readonly byReason: Readonly<Partial<Record<RejectionReason, number>>>
  /** Most recent last; bounded so a flood of garbage cannot grow memory. */
  readonly recent: readonly Rejection[]
}

export class RejectionLog {
  private readonly counts = new Map<RejectionReason, number>()
  private readonly recent: Rejection[] = []
  private total = 0

  constructor(private readonly capacity = 1000) {}

  add(rejection: Rejection): void {
    this.total++
    this.counts.set(rejection.reason, (this.counts.get(rejection.reason) ?? 0) + 1)
    this.recent.push(rejection)
    if (this.recent.length > this.capacity) this.recent.splice(0, this.recent.length - this.capacity)
  }

  summary(): RejectionSummary {
    return { total: this.total, byReason: Object.fromEntries(this.counts), recent: [...this.recent] }
  }
}
