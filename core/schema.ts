/**
 * Minimal validators for decoded records. Input from peers is `unknown` until one of these
 * accepts it; each failure names the field and what was expected, which becomes the rejection detail.
 */
import { CID } from 'multiformats/cid'
import { cidString } from './cid-string.js'
import { isDid, type Did } from './did.js'

export type Check<T> = { ok: true; value: T } | { ok: false; error: string }
export type Validator<T> = (value: unknown, path: string) => Check<T>
export type Infer<V> = V extends Validator<infer T> ? T : never

const ok = <T>(value: T): Check<T> => ({ ok: true, value })
const fail = (path: string, expected: string): Check<never> => ({ ok: false, error: `${path || 'value'}: expected ${expected}` })

export const string =
  (options: { min?: number; max: number }): Validator<string> =>
  (value, path) =>
    typeof value === 'string' && value.length >= (options.min ?? 0) && value.length <= options.max
      ? ok(value)
      : fail(path, `a string of ${options.min ?? 0} to ${options.max} characters`)

export const integer =
  (min: number, max: number): Validator<number> =>
  (value, path) =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
      ? ok(value as number)
      : fail(path, `an integer from ${min} to ${max}`)

export const boolean: Validator<boolean> = (value, path) => (typeof value === 'boolean' ? ok(value) : fail(path, 'true or false'))

export const bytes =
  (options: { min?: number; max: number }): Validator<Uint8Array> =>
  (value, path) =>
    value instanceof Uint8Array && value.length >= (options.min ?? 0) && value.length <= options.max
      ? ok(value)
      : fail(path, `${options.min ?? 0} to ${options.max} bytes`)

export const cid: Validator<CID> = (value, path) => {
  const parsed = CID.asCID(value)
  return parsed && parsed.version === 1 ? ok(parsed) : fail(path, 'a CIDv1 link')
}

export const did: Validator<Did> = (value, path) => (isDid(value) ? ok(value) : fail(path, 'an Ed25519 did:key'))

export const literal =
  <const T extends string | number | null>(...options: readonly T[]): Validator<T> =>
  (value, path) =>
    options.includes(value as T) ? ok(value as T) : fail(path, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`)

export const array =
  <T>(item: Validator<T>, options: { min?: number; max: number; unique?: boolean }): Validator<T[]> =>
  (value, path) => {
    if (!Array.isArray(value) || value.length < (options.min ?? 0) || value.length > options.max) {
      return fail(path, `a list of ${options.min ?? 0} to ${options.max} items`)
    }
    const out: T[] = []
    for (let i = 0; i < value.length; i++) {
      const checked = item(value[i], `${path}[${i}]`)
      if (!checked.ok) return checked
      out.push(checked.value)
    }
    if (options.unique && out.length > 1 && new Set(out.map(uniqueKey)).size !== out.length) return fail(path, 'a list without duplicates')
    return ok(out)
  }

/**
 * What makes two list items the same. CIDs by their string form, computed here rather than with
 * `CID.toString`, which is slow and caches a ~1.7 KB rope on every CID it is called on.
 */
const uniqueKey = (value: unknown): string => {
  const link = CID.asCID(value)
  return link ? cidString(link) : String(value)
}

export const optional =
  <T>(inner: Validator<T>): Validator<T | undefined> =>
  (value, path) =>
    value === undefined ? ok(undefined) : inner(value, path)

export const nullable =
  <T>(inner: Validator<T>): Validator<T | null> =>
  (value, path) =>
    value === null ? ok(null) : inner(value, path)

type Shape = Record<string, Validator<unknown>>
type ObjectOf<S extends Shape> = { [K in keyof S as undefined extends Infer<S[K]> ? never : K]: Infer<S[K]> } & {
  [K in keyof S as undefined extends Infer<S[K]> ? K : never]?: Infer<S[K]>
}

/** A plain map with exactly these keys: unknown keys are rejected so nothing unvalidated rides along. */
export const object = <S extends Shape>(shape: S): Validator<ObjectOf<S>> => {
  // Once per shape, not once per record checked.
  const fields = Object.entries(shape)
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || CID.asCID(value)) {
      return fail(path, 'a map')
    }
    const input = value as Record<string, unknown>
    for (const key of Object.keys(input)) {
      // Own keys only: `in` would let `constructor` or `__proto__` through unvalidated.
      if (!Object.hasOwn(shape, key)) return { ok: false, error: `${path ? `${path}.` : ''}${key}: unexpected field` }
    }
    const out: Record<string, unknown> = {}
    for (const [key, validate] of fields) {
      const checked = validate(input[key], path ? `${path}.${key}` : key)
      if (!checked.ok) return checked
      if (checked.value !== undefined) out[key] = checked.value
    }
    return ok(out as ObjectOf<S>)
  }
}

/** Adds a rule that the shape alone cannot express. */
export const refine =
  <T>(inner: Validator<T>, rule: (value: T) => string | undefined): Validator<T> =>
  (value, path) => {
    const checked = inner(value, path)
    if (!checked.ok) return checked
    const problem = rule(checked.value)
    return problem ? { ok: false, error: `${path || 'value'}: ${problem}` } : checked
  }
