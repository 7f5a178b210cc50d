/**
 * A replica's lifecycle as one explicit, observable state instead of a cluster of booleans
 * (`closing`, `closed`, `opening`, ...) that each adapter kept its own way, in the manner of
 * automerge-repo's DocHandle states:
 *
 *   opening ──> open ──> closing ──> closed
 *      │                    │
 *      └──────> failed <────┘
 *
 * `opening`: the adapter is reading its store and starting its transport; nobody holds the replica
 * yet. `open`: writes and reads are served. `closing`: `close()` was called; writes and reads are
 * refused, the adapter may still drain (deliver what peers are sending, flush to peers). `closed`:
 * every socket, timer and file handle is released. `failed`: opening or closing threw; what could
 * be released was released.
 */
import { InvalidArgumentError } from '../errors.js'

export type ReplicaState = 'opening' | 'open' | 'closing' | 'closed' | 'failed'

const NEXT: Readonly<Record<ReplicaState, readonly ReplicaState[]>> = {
  opening: ['open', 'failed'],
  open: ['closing'],
  closing: ['closed', 'failed'],
  closed: [],
  failed: [],
}

export interface Lifecycle {
  /** The current state. */
  readonly state: ReplicaState
  /** Moves to `next`; a move the diagram above does not have is a bug in the adapter, and throws. */
  to(next: ReplicaState): void
  /** True in `open`: what a write or a read checks. */
  readonly isOpen: boolean
  /** True once `close()` was called or opening failed (`closing`, `closed`, `failed`). */
  readonly isEnding: boolean
  /** Called on every move, with the new state. Returns an unsubscribe function. */
  subscribe(listener: (state: ReplicaState) => void): () => void
}

export function lifecycle(): Lifecycle {
  let state: ReplicaState = 'opening'
  const listeners = new Set<(state: ReplicaState) => void>()
  return {
    get state() {
      return state
    },
    get isOpen() {
      return state === 'open'
    },
    get isEnding() {
      return state === 'closing' || state === 'closed' || state === 'failed'
    },
    to(next) {
      if (!NEXT[state].includes(next)) throw new InvalidArgumentError(`A replica cannot go from '${state}' to '${next}'.`)
      state = next
      for (const listener of [...listeners]) listener(next)
      if (next === 'closed' || next === 'failed') listeners.clear()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
