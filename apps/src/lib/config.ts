/**
 * Where the app finds its servers: signaling and ICE servers (Yjs), sync servers (Automerge) and
 * relays (OrbitDB).
 *
 * Each list, first match wins:
 *   1. the page address: `?signal=ws://host:port`, `?sync=ws://host:port`, `?relay=/ip4/…/ws/p2p/…`
 *      (each repeatable: `?signal=a&signal=b`);
 *   2. `./config.json` next to the app (`townhall demo` serves one):
 *      `{ "signaling": [...], "iceServers": [...], "automerge": [...], "orbitdb": { "relay": [...] } }`;
 *   3. the default: `ws://127.0.0.1:4444` (`townhall signal`), `ws://127.0.0.1:3030`
 *      (`townhall sync-server`), and no relay (a relay's address includes its peer id, which
 *      cannot be guessed).
 *
 * ICE servers come from config.json only and default to none: the demo runs on loopback and LAN,
 * and no STUN server is contacted unless an operator asks for one.
 *
 * config.json and the address are untrusted input: anything malformed is dropped with a warning
 * that Settings shows.
 */

export const DEFAULT_SIGNALING: readonly string[] = ['ws://127.0.0.1:4444']
export const DEFAULT_SYNC: readonly string[] = ['ws://127.0.0.1:3030']
export const DEFAULT_RELAYS: readonly string[] = []

/** How long a join waits for the space's first record before saying it has not found it (config.json: `joinTimeoutSeconds`). */
export const DEFAULT_JOIN_TIMEOUT_MS = 30_000

/** At most this many URLs per list are used; the rest are ignored with a warning. */
export const MAX_SERVERS = 8

export type ConfigSource = 'query' | 'config.json' | 'default'

export interface AppConfig {
  readonly signaling: readonly string[]
  readonly iceServers: readonly RTCIceServer[]
  /** Where the signaling URLs came from, shown in Settings. */
  readonly source: ConfigSource
  /** Automerge sync servers (`townhall sync-server`), ws:// or wss://. */
  readonly sync: readonly string[]
  readonly syncSource: ConfigSource
  /** OrbitDB relays (`townhall relay`): WebSocket multiaddrs ending in /p2p/<peer id>. */
  readonly relays: readonly string[]
  readonly relaySource: ConfigSource
  /** How long a join waits for the space before saying so and offering to keep waiting or cancel. */
  readonly joinTimeoutMs: number
  /** Entries that were ignored, with why (shown in Settings). */
  readonly warnings: readonly string[]
}

export const defaultConfig = (): AppConfig => ({
  signaling: [...DEFAULT_SIGNALING],
  iceServers: [],
  source: 'default',
  sync: [...DEFAULT_SYNC],
  syncSource: 'default',
  relays: [...DEFAULT_RELAYS],
  relaySource: 'default',
  joinTimeoutMs: DEFAULT_JOIN_TIMEOUT_MS,
  warnings: [],
})

/** A ws:// or wss:// URL, normalized; undefined for anything else. */
export function signalingUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined
  try {
    const url = new URL(value.trim())
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return undefined
    // `ws://host:4444`, not `ws://host:4444/`: the form `townhall signal` prints.
    return url.pathname === '/' && !url.search ? url.origin : url.href
  } catch {
    return undefined
  }
}

/** Sync server URLs have the same form as signaling URLs. */
export const syncUrl = signalingUrl

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{46,60}$/
const HOST = /^[A-Za-z0-9.:-]{1,253}$/

/**
 * A relay multiaddr a browser can dial: `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>/(ws|wss|tls/ws)/p2p/<peer id>`.
 * Checked by shape only (no multiaddr library in the app's main bundle); undefined for anything else.
 */
export function relayAddress(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined
  const parts = value.trim().split('/')
  if (parts[0] !== '' || parts.length < 8) return undefined
  const [, proto, host, tcp, port, ...rest] = parts as [string, string, string, string, string, ...string[]]
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(proto) || !HOST.test(host)) return undefined
  if (tcp !== 'tcp' || !/^\d{1,5}$/.test(port) || Number(port) > 65535) return undefined
  const transport = rest.slice(0, -2).join('/')
  if (!['ws', 'wss', 'tls/ws'].includes(transport)) return undefined
  const [p2p, peer] = rest.slice(-2) as [string, string]
  if (p2p !== 'p2p' || !PEER_ID.test(peer)) return undefined
  return value.trim()
}

type Check = (value: unknown) => string | undefined

function urlList(values: readonly unknown[], check: Check, what: string, hint: string, where: string, warnings: string[]): string[] {
  const out: string[] = []
  for (const value of values) {
    const url = check(value)
    if (url === undefined) warnings.push(`Ignored ${what} ${String(JSON.stringify(value)).slice(0, 200)} from ${where}: ${hint}.`)
    else if (!out.includes(url)) out.push(url)
  }
  if (out.length > MAX_SERVERS) {
    warnings.push(`Ignored all but the first ${MAX_SERVERS} of ${out.length} ${what}s from ${where}.`)
    out.length = MAX_SERVERS
  }
  return out
}

const signalingList = (values: readonly unknown[], where: string, warnings: string[]) =>
  urlList(values, signalingUrl, 'signaling URL', 'use ws:// or wss://', where, warnings)
const syncList = (values: readonly unknown[], where: string, warnings: string[]) =>
  urlList(values, syncUrl, 'sync server URL', 'use ws:// or wss://', where, warnings)
const relayList = (values: readonly unknown[], where: string, warnings: string[]) =>
  urlList(values, relayAddress, 'relay address', 'use /ip4/…/tcp/…/ws/p2p/<peer id>', where, warnings)

const isIceServer = (value: unknown): value is RTCIceServer => {
  if (typeof value !== 'object' || value === null) return false
  const urls = (value as RTCIceServer).urls
  return typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((url) => typeof url === 'string'))
}

export interface ConfigFile {
  signaling: string[]
  iceServers: RTCIceServer[]
  /** Automerge sync servers (`"automerge": [...]`). */
  sync: string[]
  /** OrbitDB relays (`"orbitdb": { "relay": [...] }`). */
  relays: string[]
  /** `"joinTimeoutSeconds"`: 1 to 3600. */
  joinTimeoutMs?: number
}

/**
 * Reads `{ signaling?, iceServers?, automerge?, orbitdb?: { relay? } }` from untrusted JSON;
 * anything malformed is dropped with a warning.
 */
export function parseConfigFile(value: unknown, warnings: string[] = []): ConfigFile {
  const out: ConfigFile = { signaling: [], iceServers: [], sync: [], relays: [] }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    warnings.push('Ignored config.json: it is not a JSON object.')
    return out
  }
  const { signaling, iceServers, automerge, orbitdb, joinTimeoutSeconds } = value as Record<string, unknown>
  if (Number.isSafeInteger(joinTimeoutSeconds) && (joinTimeoutSeconds as number) >= 1 && (joinTimeoutSeconds as number) <= 3600)
    out.joinTimeoutMs = (joinTimeoutSeconds as number) * 1000
  else if (joinTimeoutSeconds !== undefined)
    warnings.push('Ignored "joinTimeoutSeconds" in config.json: expected a whole number of seconds from 1 to 3600.')
  if (Array.isArray(signaling)) out.signaling = signalingList(signaling, 'config.json', warnings)
  else if (signaling !== undefined) warnings.push('Ignored "signaling" in config.json: expected an array of ws:// URLs.')
  if (Array.isArray(iceServers)) {
    out.iceServers = iceServers.filter(isIceServer)
    if (out.iceServers.length < iceServers.length) warnings.push('Ignored malformed entries of "iceServers" in config.json.')
  } else if (iceServers !== undefined) warnings.push('Ignored "iceServers" in config.json: expected an array of RTCIceServer objects.')
  if (Array.isArray(automerge)) out.sync = syncList(automerge, 'config.json', warnings)
  else if (automerge !== undefined) warnings.push('Ignored "automerge" in config.json: expected an array of ws:// sync server URLs.')
  if (typeof orbitdb === 'object' && orbitdb !== null && !Array.isArray(orbitdb)) {
    const { relay } = orbitdb as Record<string, unknown>
    if (Array.isArray(relay)) out.relays = relayList(relay, 'config.json', warnings)
    else if (relay !== undefined) warnings.push('Ignored "orbitdb.relay" in config.json: expected an array of multiaddrs.')
  } else if (orbitdb !== undefined) warnings.push('Ignored "orbitdb" in config.json: expected { "relay": [...] }.')
  return out
}

export interface LoadConfigOptions {
  /** The page's query string (default `location.search`). */
  readonly search?: string
  readonly fetch?: typeof fetch
  /** Where config.json is (default `./config.json`, relative to the page). */
  readonly configUrl?: string
  readonly timeoutMs?: number
}

async function fetchConfigFile(options: LoadConfigOptions, warnings: string[]): Promise<unknown> {
  const get = options.fetch ?? globalThis.fetch
  if (typeof get !== 'function') return undefined
  try {
    const response = await get(options.configUrl ?? './config.json', {
      cache: 'no-store',
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    })
    // No config.json (the Vite dev server, a plain static host): not an error.
    if (!response.ok) return undefined
    return await response.json()
  } catch (error) {
    if (error instanceof SyntaxError) warnings.push('Ignored config.json: it is not valid JSON.')
    return undefined
  }
}

/** The first non-empty list: the address, then config.json, then the default. */
function pick(query: string[], file: string[] | undefined, fallback: readonly string[]): [string[], ConfigSource] {
  if (query.length > 0) return [query, 'query']
  if (file && file.length > 0) return [file, 'config.json']
  return [[...fallback], 'default']
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<AppConfig> {
  const warnings: string[] = []
  const search = options.search ?? (typeof location === 'undefined' ? '' : location.search)
  const params = new URLSearchParams(search)
  const signalQuery = signalingList(params.getAll('signal'), 'the address (?signal=)', warnings)
  const syncQuery = syncList(params.getAll('sync'), 'the address (?sync=)', warnings)
  const relayQuery = relayList(params.getAll('relay'), 'the address (?relay=)', warnings)
  const raw = await fetchConfigFile(options, warnings)
  const file = raw === undefined ? undefined : parseConfigFile(raw, warnings)
  const [signaling, source] = pick(signalQuery, file?.signaling, DEFAULT_SIGNALING)
  const [sync, syncSource] = pick(syncQuery, file?.sync, DEFAULT_SYNC)
  const [relays, relaySource] = pick(relayQuery, file?.relays, DEFAULT_RELAYS)
  const joinTimeoutMs = file?.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS
  return { signaling, iceServers: file?.iceServers ?? [], source, sync, syncSource, relays, relaySource, joinTimeoutMs, warnings }
}
