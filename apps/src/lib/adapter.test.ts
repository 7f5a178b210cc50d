/** The adapter registry: every adapter is listed, and `?adapter=` in the address picks one for the visit. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_ADAPTER, PLANNED_ADAPTERS, adapterOverride, adapters, isAdapterName } from './adapter.js'
import { defaultConfig } from './config.js'

describe('adapters', () => {
  it('offers Yjs (the default), Automerge and OrbitDB, each with its own servers', () => {
    expect(Object.keys(adapters)).toEqual(['yjs', 'automerge', 'orbitdb'])
    expect(DEFAULT_ADAPTER).toBe('yjs')
    const config = { ...defaultConfig(), signaling: ['ws://s:1'], sync: ['ws://a:2'], relays: ['/ip4/127.0.0.1/tcp/1/ws/p2p/x'] }
    expect(adapters.yjs.servers(config)).toEqual(['ws://s:1'])
    expect(adapters.automerge.servers(config)).toEqual(['ws://a:2'])
    expect(adapters.orbitdb.servers(config)).toEqual(['/ip4/127.0.0.1/tcp/1/ws/p2p/x'])
    expect(PLANNED_ADAPTERS.some((name) => /automerge|orbitdb/i.test(name))).toBe(false)
  })

  it('recognizes adapter names, not inherited properties', () => {
    expect(isAdapterName('automerge')).toBe(true)
    expect(isAdapterName('toString')).toBe(false)
    expect(isAdapterName(undefined)).toBe(false)
  })
})

describe('adapterOverride', () => {
  it('takes ?adapter= from the address, case-insensitively, the last one winning', () => {
    expect(adapterOverride('?adapter=automerge')).toEqual({ adapter: 'automerge' })
    expect(adapterOverride('?signal=ws://x:1&adapter=YJS')).toEqual({ adapter: 'yjs' })
    expect(adapterOverride('?adapter=yjs&adapter=automerge')).toEqual({ adapter: 'automerge' })
  })

  it('changes nothing without the parameter', () => {
    expect(adapterOverride('')).toEqual({})
    expect(adapterOverride('?signal=ws://x:1')).toEqual({})
  })

  it('ignores an unknown name with a warning that lists the known ones', () => {
    const { adapter, warning } = adapterOverride('?adapter=constructor')
    expect(adapter).toBeUndefined()
    expect(warning).toMatch(/Ignored \?adapter=constructor .*use one of yjs, automerge, orbitdb/)
    expect(adapterOverride(`?adapter=${'x'.repeat(500)}`).warning!.length).toBeLessThan(200)
  })
})
