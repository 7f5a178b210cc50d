/** A poll's advisory deadline (`closesAt`) in words: how long is left, or how long ago it passed. */

const UNITS: Array<[string, number]> = [
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

function span(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms >= size) {
      const n = Math.floor(ms / size)
      return `${n} ${unit}${n === 1 ? '' : 's'}`
    }
  }
  return 'less than a minute'
}

/** "2 days left", "less than a minute left", "passed 3 hours ago". */
export function deadlineText(closesAt: number, now: number): string {
  return closesAt > now ? `${span(closesAt - now)} left` : `passed ${span(now - closesAt)} ago`
}

/** True once an open poll's deadline has come: its closer is offered to close it. */
export const deadlinePassed = (closesAt: number | undefined, now: number): boolean => closesAt !== undefined && closesAt <= now
