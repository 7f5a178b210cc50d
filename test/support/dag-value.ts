/** fast-check values in the dag-cbor data model (no floats, no undefined), for codec and record tests. */
import fc from 'fast-check'

export function dagValue(options: { maxBytes?: number; leaves?: readonly fc.Arbitrary<unknown>[] } = {}): fc.Arbitrary<unknown> {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.maxSafeInteger(),
      fc.string({ maxLength: 20 }),
      fc.uint8Array({ maxLength: options.maxBytes ?? 20 }),
      ...(options.leaves ?? []),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.string({ maxLength: 6 }).filter((key) => key !== '__proto__'),
        tie('value'),
        { maxKeys: 4 },
      ),
    ),
  })).value
}
