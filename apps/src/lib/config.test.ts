/**
 * Server lists (signaling, Automerge sync servers, OrbitDB relays): the address beats config.json
 * beats the default; malformed input is dropped with a warning.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SIGNALING, DEFAULT_SYNC, MAX_SERVERS, loadConfig, parseConfigFile, relayAddress, signalingUrl } from './config.js'

const RELAY = '/ip4/127.0.0.1/tcp/4011/ws/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

const json = (body: unknown, status = 200) =>
  (async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })) as unknown as typeof fetch
const failing = (async () => {
  throw new TypeError('network down')
}) as unknown as typeof fetch

describe('loadConfig', () => {
  it('takes ?signal= URLs first, in order, and keeps ICE servers from config.json', async () => {
    const config = await loadConfig({
      search: '?signal=ws://127.0.0.1:5000&signal=wss%3A%2F%2Fsignal.example.org%2Fws&other=1',
      fetch: json({ signaling: ['ws://10.0.0.1:4444'], iceServers: [{ urls: 'stun:stun.example.org' }] }),
    })
    expect(config.signaling).toEqual(['ws://127.0.0.1:5000', 'wss://signal.example.org/ws'])
    expect(config.source).toBe('query')
    expect(config.iceServers).toEqual([{ urls: 'stun:stun.example.org' }])
  })

  it('falls back to config.json, then to the default', async () => {
    const fromFile = await loadConfig({ search: '', fetch: json({ signaling: ['ws://10.0.0.1:4444/'] }) })
    expect(fromFile).toMatchObject({ signaling: ['ws://10.0.0.1:4444'], source: 'config.json', iceServers: [] })
    for (const fetch of [json('not found', 404), failing, json({ signaling: [] })]) {
      const config = await loadConfig({ search: '', fetch })
      expect(config).toMatchObject({ signaling: DEFAULT_SIGNALING, source: 'default', iceServers: [] })
    }
  })

  it('ignores non-WebSocket URLs and malformed config.json, saying why', async () => {
    const config = await loadConfig({ search: '?signal=http://example.org&signal=nonsense', fetch: json('{ not json') })
    expect(config.source).toBe('default')
    expect(config.warnings.join('\n')).toMatch(/http:\/\/example.org[\s\S]*nonsense[\s\S]*not valid JSON/)
  })
})

describe('parseConfigFile', () => {
  it('keeps only well-formed entries', () => {
    const warnings: string[] = []
    const parsed = parseConfigFile(
      {
        signaling: ['ws://a:1', 42, 'ws://a:1'],
        iceServers: [{ urls: ['turn:t.example.org'], username: 'u', credential: 'c' }, { nope: 1 }],
      },
      warnings,
    )
    expect(parsed.signaling).toEqual(['ws://a:1'])
    expect(parsed.iceServers).toEqual([{ urls: ['turn:t.example.org'], username: 'u', credential: 'c' }])
    expect(warnings).toHaveLength(2)
    expect(parseConfigFile([], warnings)).toEqual({ signaling: [], iceServers: [], sync: [], relays: [] })
  })

  it('normalizes signaling URLs', () => {
    expect(signalingUrl(' ws://127.0.0.1:4444/ ')).toBe('ws://127.0.0.1:4444')
    expect(signalingUrl('wss://example.org/signal/')).toBe('wss://example.org/signal/')
    expect(signalingUrl('https://example.org')).toBeUndefined()
    expect(signalingUrl(undefined)).toBeUndefined()
  })
})

describe('Automerge sync servers and OrbitDB relays', () => {
  it('reads "automerge" and "orbitdb.relay" from config.json', async () => {
    const config = await loadConfig({
      search: '',
      fetch: json({ signaling: ['ws://127.0.0.1:4444'], automerge: ['ws://127.0.0.1:4445/'], orbitdb: { relay: [RELAY] } }),
    })
    expect(config).toMatchObject({
      sync: ['ws://127.0.0.1:4445'],
      syncSource: 'config.json',
      relays: [RELAY],
      relaySource: 'config.json',
      warnings: [],
    })
  })

  it('lets ?sync= and ?relay= in the address win, each list on its own', async () => {
    const config = await loadConfig({
      search: `?sync=ws://10.0.0.2:3030&relay=${encodeURIComponent(RELAY)}`,
      fetch: json({ signaling: ['ws://10.0.0.1:4444'], automerge: ['ws://10.0.0.1:4445'] }),
    })
    expect(config).toMatchObject({
      signaling: ['ws://10.0.0.1:4444'],
      source: 'config.json',
      sync: ['ws://10.0.0.2:3030'],
      syncSource: 'query',
      relays: [RELAY],
      relaySource: 'query',
    })
  })

  it('defaults to the sync server on 127.0.0.1:3030 and no relay', async () => {
    const config = await loadConfig({ search: '', fetch: json('not found', 404) })
    expect(config).toMatchObject({ sync: DEFAULT_SYNC, syncSource: 'default', relays: [], relaySource: 'default' })
    expect(DEFAULT_SYNC).toEqual(['ws://127.0.0.1:3030'])
  })

  it('drops malformed entries of untrusted input with a warning each', () => {
    const warnings: string[] = []
    const parsed = parseConfigFile(
      {
        automerge: ['http://example.org', 'ws://ok:1', { url: 'ws://x' }],
        orbitdb: { relay: ['/ip4/127.0.0.1/tcp/4010/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', RELAY, 'nonsense'] },
      },
      warnings,
    )
    expect(parsed.sync).toEqual(['ws://ok:1'])
    expect(parsed.relays).toEqual([RELAY])
    expect(warnings).toHaveLength(4)
    expect(warnings.join('\n')).toMatch(/sync server URL "http:\/\/example.org"/)
    expect(warnings.join('\n')).toMatch(/relay address "\/ip4\/127.0.0.1\/tcp\/4010\/p2p/)

    const wrongTypes: string[] = []
    expect(parseConfigFile({ automerge: 'ws://x:1', orbitdb: ['x'] }, wrongTypes)).toMatchObject({ sync: [], relays: [] })
    expect(wrongTypes).toEqual([
      'Ignored "automerge" in config.json: expected an array of ws:// sync server URLs.',
      'Ignored "orbitdb" in config.json: expected { "relay": [...] }.',
    ])
    const relayNotList: string[] = []
    parseConfigFile({ orbitdb: { relay: RELAY } }, relayNotList)
    expect(relayNotList).toEqual(['Ignored "orbitdb.relay" in config.json: expected an array of multiaddrs.'])
  })

  it('uses at most MAX_SERVERS of a list', async () => {
    const many = Array.from({ length: MAX_SERVERS + 3 }, (_, i) => `ws://127.0.0.1:${4000 + i}`)
    const config = await loadConfig({ search: '', fetch: json({ automerge: many }) })
    expect(config.sync).toEqual(many.slice(0, MAX_SERVERS))
    expect(config.warnings).toEqual([`Ignored all but the first ${MAX_SERVERS} of ${MAX_SERVERS + 3} sync server URLs from config.json.`])
  })

  it('accepts only WebSocket multiaddrs with a peer id as relays', () => {
    expect(relayAddress(` ${RELAY} `)).toBe(RELAY)
    expect(relayAddress(RELAY.replace('/ws/', '/wss/'))).toBe(RELAY.replace('/ws/', '/wss/'))
    expect(relayAddress(RELAY.replace('/ip4/127.0.0.1', '/dns4/relay.example.org').replace('/ws/', '/tls/ws/'))).toBeDefined()
    expect(relayAddress(RELAY.replace('/ws/', '/'))).toBeUndefined() // TCP: browsers cannot dial it
    expect(relayAddress(RELAY.replace(/\/p2p\/.*/, ''))).toBeUndefined() // no peer id
    expect(relayAddress(RELAY.replace('tcp/4011', 'tcp/99999'))).toBeUndefined()
    expect(relayAddress(RELAY.replace('12D3KooW', '0OIl'))).toBeUndefined() // not base58
    expect(relayAddress(42)).toBeUndefined()
  })
})
