/** Hash routes, with the permalink form that names a poll or a post. */
import { describe, expect, it } from 'vitest'
import { formatRoute, parseRoute, permalink } from './routes.js'

const SPACE = 'bafyreigkkw4fh47buf6fodvggtqwbf6aarqmymfsnxthkk2ss2ggdrllji'
const ITEM = 'bafyreiaaaabbbbccccddddeeeeffffgggghhhhiiiijjjjkkkkllllmmmm'

describe('routes', () => {
  it('reads and writes permalinks to a poll and to a post', () => {
    expect(parseRoute(`#/s/${SPACE}/polls/${ITEM}`)).toEqual({ name: 'space', id: SPACE, tab: 'polls', item: ITEM })
    expect(parseRoute(`#/s/${SPACE}/feed/${ITEM}`)).toEqual({ name: 'space', id: SPACE, tab: 'feed', item: ITEM })
    expect(formatRoute({ name: 'space', id: SPACE, tab: 'feed', item: ITEM })).toBe(`#/s/${SPACE}/feed/${ITEM}`)
    expect(parseRoute(`#/s/${SPACE}/feed`)).toEqual({ name: 'space', id: SPACE, tab: 'feed' })
    expect(permalink(SPACE, 'polls', ITEM, 'http://127.0.0.1:8080/?adapter=automerge')).toBe(
      `http://127.0.0.1:8080/?adapter=automerge#/s/${SPACE}/polls/${ITEM}`,
    )
  })

  it('refuses an item that is not a record id', () => {
    for (const item of ['x', '<script>', 'BAFYREIAAAABBBBCCCCDDDD', '%E0%A4%A', `${ITEM}/more`]) {
      expect(parseRoute(`#/s/${SPACE}/polls/${item}`).name, item).toBe('not-found')
    }
  })
})
