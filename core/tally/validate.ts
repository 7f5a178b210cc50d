/**
 * Validation of untrusted input. Params and choices arrive from peers as decoded dag-cbor, so
 * nothing about their shape can be assumed; these helpers never throw and stop at the first
 * problem, checking lengths before iterating so a hostile array cannot cost more than the
 * poll's own size.
 */
import { MAX_OPTIONS, MIN_OPTIONS } from './types.js'
import type { ChoiceCheck, ParamsCheck } from './types.js'

export type Failure = { ok: false; reason: string }

export const fail = (reason: string): Failure => ({ ok: false, reason })

export const isValidOptionCount = (n: unknown): n is number =>
  Number.isSafeInteger(n) && (n as number) >= MIN_OPTIONS && (n as number) <= MAX_OPTIONS

export const BAD_OPTION_COUNT = `A poll needs between ${MIN_OPTIONS} and ${MAX_OPTIONS} options.`

/** dag-cbor maps decode to plain objects; anything else (arrays, bytes, CIDs, null) is not params. */
export function isPlainObject(x: unknown): x is Readonly<Record<string, unknown>> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto: unknown = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

// Keys come from peers: quote and cap them so a reason stays a short sentence.
const showKey = (key: string): string => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)

/**
 * An absent params field means "all defaults"; unknown keys are rejected rather than ignored so
 * a poll cannot carry settings that some peers would honour and others not.
 */
export function readParamsObject(raw: unknown, allowed: readonly string[]): ParamsCheck<Readonly<Record<string, unknown>>> {
  if (raw === undefined) return { ok: true, params: {} }
  if (!isPlainObject(raw)) return fail('Parameters must be an object.')
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) return fail(`Unknown parameter ${showKey(key)}.`)
  }
  return { ok: true, params: raw }
}

export function readInteger(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): ParamsCheck<number> {
  const value = obj[key]
  if (value === undefined) return { ok: true, params: fallback }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return fail(`Parameter ${showKey(key)} must be a whole number.`)
  }
  if (value < min || value > max) {
    return fail(`Parameter ${showKey(key)} must be between ${min} and ${max}.`)
  }
  return { ok: true, params: value + 0 }
}

export interface OptionListRules {
  readonly minLength: number
  readonly maxLength: number
  /** require strictly increasing order, so a set has exactly one encoding */
  readonly increasing: boolean
  /** what the list is, capitalised, for reasons: "A ranking", "The approval list" */
  readonly what: string
}

/** A list of distinct option indices; returns a fresh copy the caller may keep. */
export function checkOptionList(raw: unknown, optionCount: number, rules: OptionListRules): ChoiceCheck<readonly number[]> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  if (!Array.isArray(raw)) return fail(`${rules.what} must be a list of option numbers.`)
  if (raw.length < rules.minLength) {
    return fail(
      rules.minLength === 1
        ? `${rules.what} must list at least one option.`
        : `${rules.what} must list at least ${rules.minLength} options.`,
    )
  }
  if (raw.length > rules.maxLength) {
    return fail(`${rules.what} must list at most ${rules.maxLength} options.`)
  }
  const seen = new Array<boolean>(optionCount).fill(false)
  const out: number[] = []
  for (let i = 0; i < raw.length; i++) {
    const value: unknown = raw[i]
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return fail(`Entry ${i + 1} is not an option number.`)
    }
    if (value < 0 || value >= optionCount) {
      return fail(`Option ${value} does not exist (options are 0 to ${optionCount - 1}).`)
    }
    if (seen[value]) return fail(`Option ${value} is listed more than once.`)
    if (rules.increasing && i > 0 && value < out[i - 1]!) {
      return fail(`${rules.what} must list options in increasing order.`)
    }
    seen[value] = true
    out.push(value + 0)
  }
  return { ok: true, choice: out }
}

/** One whole number per option, each within [min, max]; returns a fresh copy. */
export function checkVector(raw: unknown, optionCount: number, min: number, max: number, what: string): ChoiceCheck<readonly number[]> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  if (!Array.isArray(raw)) return fail(`${what} must be a list of numbers, one per option.`)
  if (raw.length !== optionCount) {
    return fail(`${what} must have exactly ${optionCount} entries, one per option (got ${raw.length}).`)
  }
  const out: number[] = []
  for (let i = 0; i < raw.length; i++) {
    const value: unknown = raw[i]
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return fail(`The entry for option ${i} must be a whole number.`)
    }
    if (value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`
      return fail(`The entry for option ${i} must be ${range} (got ${value}).`)
    }
    out.push(value + 0)
  }
  return { ok: true, choice: out }
}

/** Ranked ballots (IRV, Schulze, Copeland): distinct options, best first, possibly partial. */
export const checkRanking = (raw: unknown, optionCount: number): ChoiceCheck<readonly number[]> =>
  checkOptionList(raw, optionCount, {
    minLength: 1,
    maxLength: optionCount,
    increasing: false,
    what: 'A ranking',
  })

/** Methods without parameters still reject junk, so a poll record has one valid encoding. */
export type NoParams = Readonly<Record<string, never>>

export function parseNoParams(raw: unknown, optionCount: number): ParamsCheck<NoParams> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  const obj = readParamsObject(raw, [])
  return obj.ok ? { ok: true, params: {} } : obj
}
