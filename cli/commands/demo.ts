/**
 * `townhall demo`: the built sample apps, a signaling server (Yjs), a sync server (Automerge) and
 * an OrbitDB relay that follows the spaces browsers open, all on loopback, until Ctrl-C or SIGTERM.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { SignalServer } from '../signal-server.js'
import type { StaticServer } from '../static-server.js'
import type { SyncServer } from '../sync-server.js'
import type { Relay } from '../relay.js'
import { integer, setting, UsageError, untilSignal } from '../args.js'
import { createLogger, logFormat } from '../log.js'
import { missingFrom, needPackages, RELAY_PACKAGES, SYNC_SERVER_PACKAGES } from '../needs.js'
import { packageInfo } from '../package-info.js'

/** The sync server's port when --sync-port is not given (a free one is used if it is taken). */
export const DEMO_SYNC_PORT = 4445
/** Spaces the demo's relay opens when browsers ask. */
export const DEMO_FOLLOW = 64

export const demoHelp = `Usage: townhall demo [options]

Serves the built sample apps (npm run build:apps in a clone of the repository: the npm package
does not include them), with a signaling server (for the Yjs adapter),
a sync server (for the Automerge adapter) and an OrbitDB relay (for the experimental OrbitDB
adapter) beside them, all on 127.0.0.1 by default. Open the printed address in two browser windows
(or two browsers) and they sync. The apps find the servers in the /config.json this command
serves. Add ?adapter=automerge or ?adapter=orbitdb to the address (or pick the adapter in Settings)
to use another adapter. Ctrl-C stops everything. The servers keep their default limits (see
"townhall signal --help" and "townhall sync-server --help"); the web server allows 1000
connections, 64 from one address, and drops clients that send no headers within 10 s.

Options:
  --host ADDRESS       address for every server (default: $HOST, else 127.0.0.1)
  --port N             web server port (default: $PORT, else 5173; 0 picks a free one)
  --signal-port N      signaling server port (default 4444; 0 picks a free one)
  --sync-port N        sync server port (default ${DEMO_SYNC_PORT}, or a free one if that is taken;
                       0 picks a free one)
  --data DIR           where the sync server (DIR/sync) and the relay (DIR/relay) keep spaces
                       (default: $TOWNHALL_DATA_DIR, else a new temporary directory, deleted
                       when the demo stops; browsers keep their own copies)
  --no-relay           no OrbitDB relay (it adds about 2 s to the start); the relay listens on
                       free ports and opens up to ${DEMO_FOLLOW} spaces that browsers ask it to follow
  --dir PATH           the built apps (default: dist/apps in the townhall checkout)
  --log-format FORMAT  text (default) or json, for the relay's log lines on stderr
                       (default: $TOWNHALL_LOG_FORMAT, else text)
  -h, --help           show this help

Needs the Automerge packages (${SYNC_SERVER_PACKAGES.join(', ')}) and, unless --no-relay,
OrbitDB, Helia and libp2p: it names the ones to install when any is missing.
`

export async function demoCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'signal-port': { type: 'string' },
      'sync-port': { type: 'string' },
      data: { type: 'string' },
      relay: { type: 'boolean', default: true },
      dir: { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowNegative: true,
  })
  if (values.help) {
    process.stdout.write(demoHelp)
    return
  }
  const logger = createLogger({ component: 'relay', format: logFormat(values['log-format']) })
  const directory = values.dir === undefined ? defaultAppsDirectory() : resolve(values.dir)
  if (!existsSync(join(directory, 'index.html'))) throw new UsageError(notBuilt(directory))
  if (values.data !== undefined && values.data.trim() === '') throw new UsageError('--data must not be empty.')
  const host = setting(values.host, 'host', 'HOST').text ?? '127.0.0.1'
  const portSetting = setting(values.port, 'port', 'PORT')
  const port = integer(portSetting.text, portSetting.label, 5173, 0, 65535)
  const signalPort = integer(values['signal-port'], 'signal-port', 4444, 0, 65535)
  const syncPort = integer(values['sync-port'], 'sync-port', DEMO_SYNC_PORT, 0, 65535)
  const dataSetting = setting(values.data, 'data', 'TOWNHALL_DATA_DIR').text

  needPackages('townhall demo', values.relay ? [...SYNC_SERVER_PACKAGES, ...RELAY_PACKAGES] : SYNC_SERVER_PACKAGES)
  const [{ startSignalServer }, { startStaticServer }, { startSyncServer }] = await Promise.all([
    import('../signal-server.js'),
    import('../static-server.js'),
    import('../sync-server.js'),
  ]).catch(missingFrom('townhall demo', SYNC_SERVER_PACKAGES))

  const data = dataSetting === undefined ? await mkdtemp(join(tmpdir(), 'townhall-demo-')) : resolve(dataSetting)
  const removeData = dataSetting === undefined ? () => rm(data, { recursive: true, force: true }) : async () => {}
  let signal: SignalServer | undefined
  let sync: SyncServer | undefined
  let web: StaticServer | undefined
  let relay: Relay | undefined
  const stop = async () => {
    await Promise.all([web?.close(), signal?.close(), sync?.close(), relay?.close()])
    await removeData().catch(() => {})
  }
  try {
    signal = await startSignalServer({ host, port: signalPort }).catch(portInUse('signal-port', signalPort))
    const startSync = (at: number) => startSyncServer({ directory: join(data, 'sync'), host, port: at })
    sync = await startSync(syncPort).catch((error: NodeJS.ErrnoException) => {
      // The default port is a convenience: the apps read the address from config.json.
      if (error.code === 'EADDRINUSE' && values['sync-port'] === undefined) return startSync(0)
      return portInUse('sync-port', syncPort)(error)
    })
    if (values.relay) {
      // Loaded only when asked for: libp2p, Helia and OrbitDB take a while to import.
      const { startRelay } = await import('../relay.js').catch(missingFrom('townhall demo', RELAY_PACKAGES))
      relay = await startRelay({
        directory: join(data, 'relay'),
        spaces: [],
        host,
        tcpPort: 0,
        wsPort: 0,
        follow: DEMO_FOLLOW,
        log: logger.line,
      })
    }
    const relays = relay?.multiaddrs.filter((address) => address.includes('/ws/')) ?? []
    web = await startStaticServer({
      directory,
      host,
      port,
      config: { signaling: [signal.url], automerge: [sync.url], ...(relay ? { orbitdb: { relay: relays } } : {}) },
    }).catch(portInUse('port', port))
  } catch (error) {
    await stop()
    throw error
  }
  // Listening for Ctrl-C and SIGTERM before printing: whoever reads the addresses may stop it at once.
  const stopped = untilSignal()
  console.log(`townhall signal listening on ${signal.url}`)
  console.log(`townhall sync-server listening on ${sync.url}`)
  if (relay) console.log(`townhall relay ${relay.peerId} listening on ${relay.multiaddrs.join(' ')}`)
  console.log(`townhall apps at ${web.url}`)
  console.log(
    `\n  Open ${web.url} in two browser windows (or a normal and a private one) and create a space.` +
      `\n  Automerge: ${web.url}?adapter=automerge` +
      (relay ? `\n  OrbitDB (experimental): ${web.url}?adapter=orbitdb` : '') +
      `\n  (sync server${relay ? ' and relay' : ''} data in ${data}).\n  Ctrl-C stops.\n`,
  )
  await stopped
  await stop()
}

/** The apps as `npm run build:apps` leaves them in a checkout: dist/apps beside package.json. */
function defaultAppsDirectory(): string {
  return fileURLToPath(new URL('dist/apps/', packageInfo().root))
}

/** Says how to get the apps: built in a checkout, or not there at all in the npm package. */
function notBuilt(directory: string): string {
  const checkout = existsSync(new URL('apps/', packageInfo().root))
  if (checkout) return `No built apps in ${directory}: run "npm run build:apps" first (npm start does both).`
  return (
    `No built apps in ${directory}. The npm package does not include the sample apps: in a clone of the ` +
    `townhall repository, "npm start" builds and serves them (or "npm run build:apps", then "townhall demo --dir dist/apps").`
  )
}

/** Turns "address in use" into a usage error that names the option. */
const portInUse =
  (option: string, port: number) =>
  (error: NodeJS.ErrnoException): never => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`Port ${port} is in use: pick another with --${option}, or 0 for any free port.`)
    throw error
  }
