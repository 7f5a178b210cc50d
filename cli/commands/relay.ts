/** `townhall relay`: an always-on OrbitDB peer that keeps spaces available, until Ctrl-C or SIGTERM. */
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { isSpaceId } from '../../core/index.js'
import { integer, setting, UsageError, untilSignal } from '../args.js'
import { createLogger, logFormat } from '../log.js'
import { missingFrom, needPackages, RELAY_PACKAGES } from '../needs.js'
import { dataDirectory } from '../paths.js'

export const relayHelp = `Usage: townhall relay --space ID [--space ID …] [options]
       townhall relay --config FILE [options]
       townhall relay --follow N [options]

Runs an always-on OrbitDB peer (libp2p over TCP and WebSockets, with a circuit relay server for
browsers) that opens, replicates and pins the given spaces, so they stay available while every
other peer is offline. Peers and browsers dial one of the printed addresses. Needs OrbitDB, Helia
and libp2p (townhall relay names the packages to install when any is missing).

Options:
  --space ID          a space to replicate (repeatable)
  --config FILE       JSON: { "spaces": [ID, …], "peers": [MULTIADDR, …], "host", "port", "wsPort", "dir",
                      "follow" }
                      (options given on the command line take precedence)
  --dir DIR           where logs, blocks, records and the peer key persist
                      (default: $TOWNHALL_DATA_DIR, else ${dataDirectory('relay')})
  --host ADDRESS      address to bind (default: $HOST, else 127.0.0.1; 0.0.0.0 or :: to serve
                      others)
  --port N            TCP port for Node peers (default: $PORT, else 4010; 0 picks a free one)
  --ws-port N         WebSocket port for browsers (default 4011; 0 picks a free one)
  --peer MULTIADDR    another peer or relay to dial and keep dialing (repeatable)
  --max-connections-per-address N
                      WebSocket connections from one address, an IPv6 /64 counting as one
                      (default 32; further ones get HTTP 429); libp2p's connection manager caps
                      connections in total
  --follow N          also open up to N further spaces that peers ask for (browsers running the
                      apps on OrbitDB ask for the spaces they open); anyone who can reach the relay
                      can ask, so keep N small (default 0: only the given spaces)
  --rebuild-damaged-stores
                      when a LevelDB store under DIR is damaged, move the stores into DIR/damaged/
                      and rebuild them from the record files and peers (default: refuse to start,
                      naming the damaged stores)
  --log-format FORMAT text (default) or json: one object per line on stderr
                      (default: $TOWNHALL_LOG_FORMAT, else text)
  --quiet             log only warnings and errors
  -h, --help          show this help

The addresses go to stdout; logs, with an ISO timestamp and a level, go to stderr. Flags win over
the environment, and the environment over --config.
`

interface RelayConfig {
  spaces?: unknown
  peers?: unknown
  host?: unknown
  port?: unknown
  wsPort?: unknown
  dir?: unknown
  follow?: unknown
}

async function readConfig(file: string): Promise<RelayConfig> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}.`)
  })
  let config: unknown
  try {
    config = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}.`)
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError(`${file} must hold a JSON object.`)
  return config as RelayConfig
}

const strings = (value: unknown, what: string): string[] => {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new UsageError(`"${what}" must be a list of strings.`)
  return value
}
const optionalString = (value: unknown, what: string): string | undefined => {
  if (value === undefined || typeof value === 'string') return value
  throw new UsageError(`"${what}" must be a string.`)
}
const port = (value: unknown, what: string): string | undefined => {
  if (value === undefined) return undefined
  if (typeof value === 'number' || typeof value === 'string') return String(value)
  throw new UsageError(`"${what}" must be a port number.`)
}

export async function relayCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      space: { type: 'string', multiple: true },
      config: { type: 'string' },
      dir: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'ws-port': { type: 'string' },
      peer: { type: 'string', multiple: true },
      follow: { type: 'string' },
      'rebuild-damaged-stores': { type: 'boolean', default: false },
      'max-connections-per-address': { type: 'string' },
      'log-format': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(relayHelp)
    return
  }
  const logger = createLogger({ component: 'relay', format: logFormat(values['log-format']), quiet: values.quiet })
  const config = values.config ? await readConfig(values.config) : {}
  const spaces = [...new Set([...strings(config.spaces, 'spaces'), ...(values.space ?? [])])]
  if (config.follow !== undefined && typeof config.follow !== 'number') throw new UsageError('"follow" must be a number.')
  const follow = integer(values.follow ?? (config.follow === undefined ? undefined : String(config.follow)), 'follow', 0, 0, 10_000)
  if (spaces.length === 0 && follow === 0)
    throw new UsageError('Give at least one space to replicate: --space ID, or "spaces" in --config FILE (or let peers ask: --follow N).')
  for (const id of spaces) if (!isSpaceId(id)) throw new UsageError(`"${id}" is not a space id (the CID of a space's genesis record).`)
  const host = setting(values.host, 'host', 'HOST').text ?? optionalString(config.host, 'host') ?? '127.0.0.1'
  if (isIP(host) === 0) throw new UsageError(`--host must be an IP address (such as 127.0.0.1, 0.0.0.0 or ::), got "${host}".`)
  const portSetting = setting(values.port, 'port', 'PORT')
  const tcpPort = integer(portSetting.text ?? port(config.port, 'port'), portSetting.label, 4010, 0, 65535)
  const wsPort = integer(values['ws-port'] ?? port(config.wsPort, 'wsPort'), 'ws-port', 4011, 0, 65535)
  if (tcpPort !== 0 && tcpPort === wsPort) throw new UsageError('--port and --ws-port must differ.')
  const directory = setting(values.dir, 'dir', 'TOWNHALL_DATA_DIR').text ?? optionalString(config.dir, 'dir') ?? dataDirectory('relay')
  const peers = [...strings(config.peers, 'peers'), ...(values.peer ?? [])]
  needPackages('townhall relay', RELAY_PACKAGES)
  const [{ multiaddr }, { startRelay }] = await Promise.all([import('@multiformats/multiaddr'), import('../relay.js')]).catch(
    missingFrom('townhall relay', RELAY_PACKAGES),
  )
  for (const address of peers) {
    try {
      multiaddr(address)
    } catch (error) {
      throw new UsageError(`"${address}" is not a multiaddr: ${(error as Error).message}`)
    }
  }
  const log = logger.line

  log(`data in ${directory}`)
  const onDamagedStore = values['rebuild-damaged-stores'] ? 'rebuild' : 'refuse'
  const maxConnectionsPerAddress = integer(values['max-connections-per-address'], 'max-connections-per-address', 32, 1)
  const relay = await startRelay({
    directory,
    spaces,
    host,
    tcpPort,
    wsPort,
    peers,
    follow,
    onDamagedStore,
    maxConnectionsPerAddress,
    log,
  }).catch((error: Error & { code?: string }) => {
    if (error.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(error.message))
      throw new UsageError(`Port ${tcpPort} or ${wsPort} is in use: pick others with --port and --ws-port, or 0 for free ones.`)
    throw error
  })
  // Listening for Ctrl-C and SIGTERM before printing: whoever reads the addresses may stop it at once.
  const stopped = untilSignal()
  const following = follow > 0 ? ` (and up to ${follow} more on request)` : ''
  console.log(`townhall relay ${relay.peerId} replicating ${spaces.length} space(s)${following}, listening on`)
  for (const address of relay.multiaddrs) console.log(`  ${address}`)
  const signal = await stopped
  log(`${signal}, shutting down`)
  await relay.close()
}
