/**
 * A small app's kinds for the kind tests: events (moderators and above create them) and RSVPs
 * (anyone who may post; latest answer per person wins), folded into a guest list.
 */
import type { CID } from 'multiformats/cid'
import { compareRecords, defineKind, defineView, rules, schema as s, type SignedRecord } from '../../core/index.js'

export interface Rsvp {
  readonly event: CID
  readonly answer: 'going' | 'maybe' | 'no'
}

interface Latest {
  readonly answer: Rsvp['answer']
  readonly record: Pick<SignedRecord, 'hlc' | 'id'>
}

/** Event id -> person -> their latest answer. Latest by (hlc, id): the same whatever order records come in. */
export const guests = defineView({
  name: 'org.example/guests',
  init: () => new Map<string, Map<string, Latest>>(),
  add(state, record: SignedRecord<Rsvp>) {
    const event = record.body.event.toString()
    const people = state.get(event) ?? new Map<string, Latest>()
    const before = people.get(record.author)
    if (!before || compareRecords(before.record, record) < 0) people.set(record.author, { answer: record.body.answer, record })
    state.set(event, people)
    return state
  },
  read: (state) =>
    Object.fromEntries(
      [...state]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([event, people]) => [
          event,
          Object.fromEntries([...people].sort(([a], [b]) => (a < b ? -1 : 1)).map(([did, latest]) => [did, latest.answer])),
        ]),
    ) as Record<string, Record<string, Rsvp['answer']>>,
})

/** Event titles by id. */
export const calendar = defineView({
  name: 'org.example/calendar',
  init: () => new Map<string, string>(),
  add: (state, record: SignedRecord<{ title: string }>) => state.set(record.id, record.body.title),
  read: (state) => Object.fromEntries([...state].sort(([a], [b]) => (a < b ? -1 : 1))),
})

export const event = defineKind({
  name: 'org.example/event',
  body: s.object({ title: s.string({ min: 1, max: 100 }) }),
  authorize: rules.role('moderator'),
  views: [calendar],
})

export const rsvp = defineKind({
  name: 'org.example/rsvp',
  body: s.object({ event: s.cid, answer: s.literal('going', 'maybe', 'no') }),
  authorize: (context) => {
    const named = context.get(context.record.body.event.toString())
    if (named?.kind !== 'org.example/event') return { reason: 'invalid-reference', detail: 'an rsvp names an event' }
    return rules.participant(context)
  },
  views: [guests],
})

export const eventKinds = [event, rsvp] as const
