/**
 * The submit logic every ballot form shares: the message under the form, `busy` while the ballot
 * is being published, and whether a ballot exists (the button says "Vote" or "Change vote").
 * Each vote control supplies only its method's own check; core's `checkChoice` and the call to
 * `onvote` run here, in the same order for every method.
 */
import type { PollView } from '../../../core/index.js'
import { checkChoice, errorMessage } from './format.js'

/** What a form's own check made of its inputs: the choice to publish, or the message to show. */
export type Prepared<C> = { readonly choice: C } | { readonly error: string }

/** The props of a vote control that the shared logic reads. */
export interface VoteSubmitProps<C> {
  readonly poll: PollView
  /** The current ballot's choice, if readable here. */
  readonly value: unknown
  /** A ballot exists even if its choice is not readable here (secret polls). */
  readonly voted: boolean
  readonly onvote: (choice: C) => void | Promise<void>
}

export class VoteSubmit<C> {
  /** The message under the form; empty when there is none. */
  error = $state('')
  /**
   * True while `onvote` runs: the submit button says so with aria-disabled and ignores presses.
   * Not `disabled`, which would drop keyboard focus to the top of the page.
   */
  busy = $state(false)
  /** The confirmation after a ballot was published ("Vote recorded."); cleared by any change. */
  done = $state('')
  #submitted = $state(false)
  readonly #props: () => VoteSubmitProps<C>
  readonly #prepare: () => Prepared<C>

  /**
   * `props` reads the component's current props (a closure, so they stay reactive); `prepare`
   * runs the method's own checks on submit.
   */
  constructor(props: () => VoteSubmitProps<C>, prepare: () => Prepared<C>) {
    this.#props = props
    this.#prepare = prepare
  }

  /** A ballot exists: one was passed in, is known to exist, or was submitted from this form. */
  get hasBallot(): boolean {
    const { value, voted } = this.#props()
    return value !== undefined || voted || this.#submitted
  }

  /** The submit button's text. */
  get label(): 'Vote' | 'Change vote' {
    return this.hasBallot ? 'Change vote' : 'Vote'
  }

  /** Clears the message (on input, and when a control changes the ballot). */
  readonly clear = (): void => {
    this.error = ''
    this.done = ''
  }

  /** The form's submit handler: the method's check, then core's, then `onvote`. */
  readonly submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    if (this.busy) return
    const changing = this.hasBallot
    this.clear()
    const prepared = this.#prepare()
    if ('error' in prepared) {
      this.error = prepared.error
      return
    }
    const { poll, onvote } = this.#props()
    const reason = checkChoice(poll, prepared.choice)
    if (reason) {
      this.error = reason
      return
    }
    this.busy = true
    try {
      await onvote(prepared.choice)
      this.#submitted = true
      this.done = changing ? 'Vote changed. Your new ballot replaces the earlier one.' : 'Vote recorded.'
    } catch (caught) {
      this.error = errorMessage(caught)
    } finally {
      this.busy = false
    }
  }
}
