/**
 * Where the app finds its signaling servers and ICE servers.
 *
 * Signaling URLs, first match wins:
 *   1. `?signal=ws://host:port` in the page address (repeatable: `?signal=a&signal=b`);
 *   2. `./config.json` next to the app (`townhall demo` serves one): `{ "signaling": [...], "iceServers": [...] }`;
 *   3. `ws://127.0.0.1:4444`, the default of `townhall signal`.
 *
 * ICE servers come from config.json only and default to none: the demo runs on loopback and LAN,
 * and no STUN server is contacted unless an operator asks for one.
 */

export const DEFAULT_SIGNALING: readonly string[] = ['ws://127.0.0.1:4444']

export interface AppConfig {
  readonly signaling: readonly string[]
  readonly iceServers: readonly RTCIceServer[]
  /** Where the signaling URLs came from, shown in Settings. */
  readonly source: 'query' | 'config.json' | 'default'
  /** Entries that were ignored, with why (shown in Settings). */
  readonly warnings: readonly string[]
}

export const defaultConfig = (): AppConfig => ({ signaling: [...DEFAULT_SIGNALING], iceServers: [], source: 'default', warnings: [] })

/** A ws:// or wss:// URL, normalized; undefined for anything else. */
export function signalingUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value.trim())
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return undefined
    // `ws://host:4444`, not `ws://host:4444/`: the form `townhall signal` prints.
    return url.pathname === '/' && !url.search ? url.origin : url.href
  } catch {
    return undefined
  }
}

function signalingList(values: readonly unknown[], where: string, warnings: string[]): string[] {
  const out: string[] = []
  for (const value of values) {
    const url = signalingUrl(value)
    if (url === undefined) warnings.push(`Ignored signaling URL ${JSON.stringify(value)} from ${where}: use ws:// or wss://.`)
    else if (!out.includes(url)) out.push(url)
  }
  return out
}

const isIceServer = (value: unknown): value is RTCIceServer => {
  if (typeof value !== 'object' || value === null) return false
  const urls = (value as RTCIceServer).urls
  return typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((url) => typeof url === 'string'))
}

/** Reads `{ signaling?, iceServers? }` from untrusted JSON; anything malformed is dropped with a warning. */
export function parseConfigFile(value: unknown, warnings: string[] = []): { signaling: string[]; iceServers: RTCIceServer[] } {
  const out = { signaling: [] as string[], iceServers: [] as RTCIceServer[] }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    warnings.push('Ignored config.json: it is not a JSON object.')
    return out
  }
  const { signaling, iceServers } = value as Record<string, unknown>
  if (Array.isArray(signaling)) out.signaling = signalingList(signaling, 'config.json', warnings)
  else if (signaling !== undefined) warnings.push('Ignored "signaling" in config.json: expected an array of ws:// URLs.')
  if (Array.isArray(iceServers)) {
    out.iceServers = iceServers.filter(isIceServer)
    if (out.iceServers.length < iceServers.length) warnings.push('Ignored malformed entries of "iceServers" in config.json.')
  } else if (iceServers !== undefined) warnings.push('Ignored "iceServers" in config.json: expected an array of RTCIceServer objects.')
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

export async function loadConfig(options: LoadConfigOptions = {}): Promise<AppConfig> {
  const warnings: string[] = []
  const search = options.search ?? (typeof location === 'undefined' ? '' : location.search)
  const fromQuery = signalingList(new URLSearchParams(search).getAll('signal'), 'the address (?signal=)', warnings)
  const raw = await fetchConfigFile(options, warnings)
  const file = raw === undefined ? undefined : parseConfigFile(raw, warnings)
  const iceServers = file?.iceServers ?? []
  if (fromQuery.length > 0) return { signaling: fromQuery, iceServers, source: 'query', warnings }
  if (file && file.signaling.length > 0) return { signaling: file.signaling, iceServers, source: 'config.json', warnings }
  return { signaling: [...DEFAULT_SIGNALING], iceServers, source: 'default', warnings }
}
