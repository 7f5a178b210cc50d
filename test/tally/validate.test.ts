/**
 * The validation helpers of core/tally/validate.ts, through the methods that use them and, for
 * the rules no method reaches today, directly. Params and choices come from peers: each is
 * refused with its own reason, and an accepted value has exactly one encoding.
 */
import { describe, expect, it } from 'vitest'
import { approval, instantRunoff, schulze, score } from '../../core/tally/index.js'
import { checkOptionList, readParamsObject } from '../../core/tally/validate.js'
import { ctx } from './helpers.js'

describe('option counts', () => {
  it('accepts 2 and 64 options', () => {
    for (const k of [2, 64]) {
      expect(approval.parseParams(undefined, k)).toEqual({ ok: true, params: { min: 1, max: k } })
      expect(score.checkChoice(new Array<number>(k).fill(0), { min: 0, max: 5 }, k).ok).toBe(true)
    }
  })

  it('a score or weighted ballot is refused when the option count is impossible', () => {
    expect(score.checkChoice([0], { min: 0, max: 5 }, 1)).toEqual({
      ok: false,
      reason: 'A poll needs between 2 and 64 options.',
    })
  })
})

describe('params', () => {
  it('must be a plain object: null, lists, maps and class instances are refused with one reason', () => {
    class Params {
      min = 1
    }
    for (const raw of [null, [1, 2], new Map([['min', 1]]), new Params(), 'min=1']) {
      expect(approval.parseParams(raw, 3)).toEqual({ ok: false, reason: 'Parameters must be an object.' })
    }
  })

  it('an object without a prototype is a plain object (as some decoders build them)', () => {
    const raw = Object.assign(Object.create(null) as Record<string, unknown>, { min: 2 })
    expect(approval.parseParams(raw, 3)).toEqual({ ok: true, params: { min: 2, max: 3 } })
  })

  it('names an unknown key, cut to 40 characters so a reason stays short', () => {
    const long = 'k'.repeat(50)
    expect(approval.parseParams({ [long]: 1 }, 3)).toEqual({ ok: false, reason: `Unknown parameter "${'k'.repeat(40)}…".` })
    expect(approval.parseParams({ ['k'.repeat(40)]: 1 }, 3)).toEqual({
      ok: false,
      reason: `Unknown parameter "${'k'.repeat(40)}".`,
    })
    expect(schulze.parseParams({ seats: 2 }, 3)).toEqual({ ok: false, reason: 'Unknown parameter "seats".' })
  })

  it('says which whole-number parameter is wrong and its range', () => {
    expect(approval.parseParams({ max: '3' }, 5)).toEqual({ ok: false, reason: 'Parameter "max" must be a whole number.' })
    expect(approval.parseParams({ max: 6 }, 5)).toEqual({ ok: false, reason: 'Parameter "max" must be between 1 and 5.' })
  })

  it('reads -0 as 0, so equal params have one encoding', () => {
    const parsed = approval.parseParams({ min: -0 }, 3)
    expect(parsed.ok && Object.is(parsed.params.min, 0)).toBe(true)
  })
})

describe('choices', () => {
  it('read -0 as 0 in option lists and vectors', () => {
    const list = approval.checkChoice([-0, 2], { min: 1, max: 3 }, 3)
    expect(list.ok && Object.is(list.choice[0], 0)).toBe(true)
    const vector = score.checkChoice([-0, 1, 2], { min: -1, max: 5 }, 3)
    expect(vector.ok && Object.is(vector.choice[0], 0)).toBe(true)
  })

  it('a list with a minimum length above one says how many it needs', () => {
    const rules = { minLength: 2, maxLength: 3, increasing: false, what: 'A shortlist' }
    expect(checkOptionList([1], 3, rules)).toEqual({ ok: false, reason: 'A shortlist must list at least 2 options.' })
    expect(checkOptionList([], 3, { ...rules, minLength: 1 })).toEqual({
      ok: false,
      reason: 'A shortlist must list at least one option.',
    })
    expect(checkOptionList([2, 0], 3, rules)).toEqual({ ok: true, choice: [2, 0] })
  })

  it('readParamsObject treats an absent params field as all defaults', () => {
    expect(readParamsObject(undefined, [])).toEqual({ ok: true, params: {} })
  })
})

describe('instant runoff keeps no state shared with its callers', () => {
  it('a ranking changed by the caller after add does not change the tally', () => {
    const acc = instantRunoff.createAccumulator({}, 3)
    const ranking = [0, 1, 2]
    acc.add(ranking)
    ranking[0] = 2
    expect([...acc.groups()]).toEqual([{ ranking: [0, 1, 2], count: 1 }])
    expect(instantRunoff.result(acc, ctx(3)).winner).toBe(0)
  })

  it('the ranking of an empty tally is not the context’s tie order array', () => {
    const context = ctx(3, [2, 0, 1])
    const r = instantRunoff.result(instantRunoff.createAccumulator({}, 3), context)
    expect(r.ranking).toEqual([2, 0, 1])
    expect(r.ranking).not.toBe(context.tieOrder)
  })
})
