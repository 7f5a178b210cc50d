/** Signaling URLs: ?signal= beats config.json beats the default; malformed input is dropped with a warning. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SIGNALING, loadConfig, parseConfigFile, signalingUrl } from './config.js'

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
    expect(parseConfigFile([], warnings)).toEqual({ signaling: [], iceServers: [] })
  })

  it('normalizes signaling URLs', () => {
    expect(signalingUrl(' ws://127.0.0.1:4444/ ')).toBe('ws://127.0.0.1:4444')
    expect(signalingUrl('wss://example.org/signal/')).toBe('wss://example.org/signal/')
    expect(signalingUrl('https://example.org')).toBeUndefined()
    expect(signalingUrl(undefined)).toBeUndefined()
  })
})
