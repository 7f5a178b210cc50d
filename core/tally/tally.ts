/** Batch tally: the accumulator path run once, so batch and live results cannot drift apart. */
import type { Accumulator, BaseResult, TallyContext, TallyMethod } from './types.js'

/** `choices` must already have passed `method.checkChoice` with the same params. */
export function tally<P, C, R extends BaseResult, A extends Accumulator<C>>(
  method: TallyMethod<P, C, R, A>,
  params: P,
  choices: Iterable<C>,
  ctx: TallyContext,
): R {
  const acc = method.createAccumulator(params, ctx.optionCount)
  for (const choice of choices) acc.add(choice)
  return method.result(acc, ctx)
}
