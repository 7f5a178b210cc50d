/** `townhall sync-server`: runs the automerge-repo sync server until Ctrl-C or SIGTERM. */
import { parseArgs } from 'node:util'
import { integer, setting, UsageError, untilSignal } from '../args.js'
import { createLogger, logFormat } from '../log.js'
import { missingFrom, needPackages, SYNC_SERVER_PACKAGES } from '../needs.js'
import { dataDirectory } from '../paths.js'

export const syncServerHelp = `Usage: townhall sync-server [options]

Runs a sync server for the Automerge adapter (automerge-repo's WebSocket protocol). Peers connect
to it and sync through it; it keeps every space document it is asked for on disk, so spaces stay
available while every browser is closed. It serves a document only to peers that ask for it by id
and never lists documents. Needs ${SYNC_SERVER_PACKAGES.join(', ')}.

Options:
  --dir DIR                 where documents are kept (default: $TOWNHALL_DATA_DIR, else
                            ${dataDirectory('sync')})
  --host ADDRESS            address to bind (default: $HOST, else 127.0.0.1; 0.0.0.0 or :: to
                            serve others)
  --port N                  port (default: $PORT, else 3030; 0 picks a free one)
  --max-message-bytes N     largest message accepted (default 33554432, 32 MiB); an initial
                            sync carries a whole space, so keep it above your largest space
  --max-connections N       concurrent connections (default 1000)
  --max-connections-per-address N
                            concurrent connections from one address, an IPv6 /64 counting as
                            one (default 32; behind a reverse proxy, every client has its address)
  --max-pending-bytes N     bytes of unfinished messages held across all connections (default
                            134217728, 128 MiB; one address at most a quarter); a connection
                            whose bytes would go past it is closed with 1013
  --max-documents N         documents with content held in memory at once (default 10000); a
                            document leaves memory once no connected peer holds it
  --max-documents-per-connection N
                            documents one connection may open (default 16)
  --max-documents-per-address N
                            documents the connections of one address may hold together (default 64)
  --join-timeout-ms N       close a connection that has not joined within this (default 10000)
  --rate N                  messages per second per connection (default 200)
  --log-format FORMAT       text (default) or json: one object per line on stderr
                            (default: $TOWNHALL_LOG_FORMAT, else text)
  --quiet                   log only warnings and errors
  -h, --help                show this help

The listening line goes to stdout; logs, with an ISO timestamp and a level, go to stderr.
Options given as flags win over the environment.
`

export async function syncServerCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dir: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-documents': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'max-pending-bytes': { type: 'string' },
      'max-documents-per-connection': { type: 'string' },
      'max-documents-per-address': { type: 'string' },
      'join-timeout-ms': { type: 'string' },
      rate: { type: 'string' },
      'log-format': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(syncServerHelp)
    return
  }
  const log = createLogger({ component: 'sync-server', format: logFormat(values['log-format']), quiet: values.quiet })
  if (values.dir !== undefined && values.dir.trim() === '') throw new UsageError('--dir must not be empty.')
  const directory = setting(values.dir, 'dir', 'TOWNHALL_DATA_DIR').text ?? dataDirectory('sync')
  const host = setting(values.host, 'host', 'HOST').text
  const port = setting(values.port, 'port', 'PORT')
  const portNumber = integer(port.text, port.label, 3030, 0, 65535)
  const options = {
    directory,
    ...(host !== undefined ? { host } : {}),
    port: portNumber,
    maxMessageBytes: integer(values['max-message-bytes'], 'max-message-bytes', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxConnections: integer(values['max-connections'], 'max-connections', 1000, 1),
    maxDocuments: integer(values['max-documents'], 'max-documents', 10_000, 1),
    maxConnectionsPerAddress: integer(values['max-connections-per-address'], 'max-connections-per-address', 32, 1),
    maxPendingBytes: integer(values['max-pending-bytes'], 'max-pending-bytes', 128 * 1024 * 1024, 1024),
    maxDocumentsPerConnection: integer(values['max-documents-per-connection'], 'max-documents-per-connection', 16, 1),
    maxDocumentsPerAddress: integer(values['max-documents-per-address'], 'max-documents-per-address', 64, 1),
    joinTimeoutMs: integer(values['join-timeout-ms'], 'join-timeout-ms', 10_000, 100),
    messagesPerSecond: integer(values.rate, 'rate', 200, 1),
    log: log.line,
  }
  needPackages('townhall sync-server', SYNC_SERVER_PACKAGES)
  const { startSyncServer } = await import('../sync-server.js').catch(missingFrom('townhall sync-server', SYNC_SERVER_PACKAGES))
  const server = await startSyncServer(options).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new UsageError(`Port ${portNumber} is in use: pick another with --port (or PORT), or 0 for any free port.`)
    if (error.code === 'EACCES' || error.code === 'EROFS') throw new UsageError(`Cannot use ${directory}: ${error.message}.`)
    throw error
  })
  // Listening for Ctrl-C and SIGTERM before printing: whoever reads the address may stop it at once.
  const stopped = untilSignal()
  console.log(`townhall sync-server listening on ${server.url}`)
  log.info(`keeping documents in ${directory}`)
  const signal = await stopped
  log.info(`${signal}, shutting down (${server.stats().connections} connections, ${server.stats().documents} documents)`)
  await server.close()
  const stats = server.stats()
  log.info(`stopped; ${stats.rejected} messages rejected, ${stats.refused} connections refused`)
}
