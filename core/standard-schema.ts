/**
 * Standard Schema v1 (https://standardschema.dev), the interface that Zod, Valibot, ArkType and
 * others implement under the `~standard` key, written out here from the spec so that core needs no
 * dependency to accept any of them as a record kind's body schema.
 */
import type { Validator } from './schema.js'

export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

export type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> }

export interface StandardIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/** What a Standard Schema gives after validation (its `types.output`). */
export type StandardOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never

/** Whether `value` implements Standard Schema v1: a `~standard` object of version 1 with a `validate` function. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false
  const standard = (value as { '~standard'?: unknown })['~standard']
  return (
    typeof standard === 'object' &&
    standard !== null &&
    (standard as { version?: unknown }).version === 1 &&
    typeof (standard as { validate?: unknown }).validate === 'function'
  )
}

/**
 * A core validator that runs a Standard Schema. Bodies are judged synchronously, in the same pass
 * on every peer, so a schema that answers with a promise (an async refinement) refuses the body
 * rather than letting a record's validity wait on something outside it.
 */
export function fromStandardSchema<Output>(schema: StandardSchemaV1<unknown, Output>): Validator<Output> {
  const standard = schema['~standard']
  return (value, path) => {
    const result = standard.validate(value)
    if (result instanceof Promise) {
      // Not awaited: mark it handled so a later rejection of it is not reported as unhandled.
      result.catch(() => {})
      return {
        ok: false,
        error: `${path || 'value'}: the ${standard.vendor} schema is asynchronous; a record body needs a synchronous one`,
      }
    }
    if (result.issues === undefined) return { ok: true, value: result.value }
    const issue = result.issues[0]
    const at = [path, ...(issue?.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment))]
      .filter(Boolean)
      .join('.')
    return { ok: false, error: `${at || 'value'}: ${issue?.message ?? 'invalid'}` }
  }
}
