/**
 * A view: state folded from the authorized records of the kinds that declare it. A space folds
 * each record once it is authorized and its causal past is here, and folds everything again, in
 * record order, when membership changes (a record authorized before may not be now), as it does
 * for its own feed and polls. Records otherwise arrive in any order, so `add` must reach the same
 * state whatever the order: keep the latest by `compareRecords`, count distinct ids, and so on.
 *
 * @example
 * ```ts
 * import { defineView } from 'townhall'
 *
 * const count = defineView({ name: 'org.example/count', init: () => 0, add: (n: number) => n + 1 })
 * count.add(count.init(), undefined as never) // -> 1
 * ```
 */
import type { SignedRecord } from './record.js'

export interface ViewDefinition<S = unknown, B = unknown, V = S> {
  /** Namespaced like kinds (`org.example/guests`). */
  readonly name: string
  /** A fresh, empty state. */
  init(): S
  /** The state with one more record folded in; may change `state` in place and return it. */
  add(state: S, record: SignedRecord<B>): S
  /** What `space.getView` gives for the state (default: the state itself). */
  read?(state: S): V
}

/** Defines a view; list it in the `views` of every kind that folds into it. */
export function defineView<S, B = unknown, V = S>(view: ViewDefinition<S, B, V>): ViewDefinition<S, B, V> {
  return Object.freeze({ ...view })
}
