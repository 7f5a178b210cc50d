/**
 * Shared shapes of the tally layer. A method is a bundle of pure functions: validate untrusted
 * params and choices, fold validated choices into an accumulator, and read a result from it.
 * Keeping the accumulator separate from the result is what lets a live poll update in
 * O(ballot) per vote while every peer still derives the same result from the same ballot set.
 */

export type MethodName = 'plurality' | 'approval' | 'instant-runoff' | 'schulze' | 'copeland' | 'score' | 'quadratic' | 'weighted'

export type ChoiceCheck<C> = { ok: true; choice: C } | { ok: false; reason: string }

export type ParamsCheck<P> = { ok: true; params: P } | { ok: false; reason: string }

export const MIN_OPTIONS = 2
export const MAX_OPTIONS = 64

export interface TallyContext {
  /** number of options, 2..64 */
  readonly optionCount: number
  /**
   * A permutation of 0..optionCount-1: whichever option comes EARLIER in tieOrder wins any tie
   * that the method itself cannot break. Computed by the poll layer from the poll id so it is
   * the same on every peer.
   */
  readonly tieOrder: readonly number[]
}

export interface Accumulator<C> {
  /** Counts one validated choice. O(work touched by this ballot), never a full recount. */
  add(choice: C): void
  /**
   * Exact inverse of `add` (used when a voter replaces their ballot). Throws
   * InvalidArgumentError, leaving the state untouched, if the choice is not currently counted
   * as far as the accumulator can tell.
   */
  remove(choice: C): void
  /** ballots currently counted */
  readonly ballots: number
}

export interface BaseResult {
  readonly method: MethodName
  readonly ballots: number
  /** every option, best first, ties broken by the documented rule */
  readonly ranking: readonly number[]
  /** ranking[0] when ballots > 0, else null */
  readonly winner: number | null
  /** true when the winner was decided by tieOrder rather than by votes */
  readonly tieBroken: boolean
}

/**
 * `A` is the concrete accumulator of the method: `result` needs its internal state, which the
 * generic `Accumulator` interface deliberately does not expose. Passing an accumulator created
 * by another method is a programming error and throws.
 */
export interface TallyMethod<P, C, R extends BaseResult, A extends Accumulator<C> = Accumulator<C>> {
  /** the same literal as the results' `method` field */
  readonly name: R['method']
  /** Validates/normalizes method parameters from untrusted input (a decoded poll record). */
  parseParams(raw: unknown, optionCount: number): ParamsCheck<P>
  /** Validates a choice from untrusted input (a decoded ballot). Reasons are short human sentences. */
  checkChoice(raw: unknown, params: P, optionCount: number): ChoiceCheck<C>
  /** `params` must come from `parseParams` with the same optionCount. */
  createAccumulator(params: P, optionCount: number): A
  /**
   * Result from the accumulator's current state. Never mutates it, and the returned object
   * shares no mutable state with it.
   */
  result(acc: A, ctx: TallyContext): R
}

/**
 * Any method, for registries and code that dispatches on `MethodName`. Method-syntax members are
 * bivariant in their parameters, so every concrete method is assignable here without `any`, and
 * the parse -> check -> add -> result pipeline still type-checks on values of this type.
 */
export type AnyTallyMethod = TallyMethod<unknown, unknown, BaseResult, Accumulator<unknown>>

export type ParamsOf<M extends AnyTallyMethod> = Extract<ReturnType<M['parseParams']>, { ok: true }>['params']
export type ChoiceOf<M extends AnyTallyMethod> = Extract<ReturnType<M['checkChoice']>, { ok: true }>['choice']
export type ResultOf<M extends AnyTallyMethod> = ReturnType<M['result']>
