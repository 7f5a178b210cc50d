/** `townhall signal`: runs the y-webrtc signaling server until Ctrl-C or SIGTERM. */
import { parseArgs } from 'node:util'
import { integer, setting, UsageError, untilSignal } from '../args.js'
import { createLogger, logFormat } from '../log.js'

export const signalHelp = `Usage: townhall signal [options]

Runs a signaling server for the Yjs adapter (y-webrtc's protocol). Peers meet here, then talk
directly over WebRTC; the server relays only encrypted handshakes for rooms named by hashes.

Options:
  --host ADDRESS            address to bind (default: $HOST, else 127.0.0.1; 0.0.0.0 or :: to
                            serve others)
  --port N                  port (default: $PORT, else 4444; 0 picks a free one)
  --max-message-bytes N     largest message accepted (default 65536)
  --max-connections N       concurrent connections (default 1000)
  --max-connections-per-address N
                            concurrent connections from one address, an IPv6 /64 counting as
                            one (default 32; behind a reverse proxy, every client has its address)
  --max-topics N            rooms per connection (default 64)
  --max-room-size N         connections per room (default 256)
  --max-room-size-per-address N
                            connections in one room from one address (default 8)
  --idle-timeout-ms N       close a connection subscribed to no room for this long (default 30000)
  --rate N                  messages per second per connection (default 50)
  --log-format FORMAT       text (default) or json: one object per line on stderr
                            (default: $TOWNHALL_LOG_FORMAT, else text)
  --quiet                   log only warnings and errors
  -h, --help                show this help

The listening line goes to stdout; logs, with an ISO timestamp and a level, go to stderr.
Options given as flags win over the environment.
`

export async function signalCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'max-topics': { type: 'string' },
      'max-room-size-per-address': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      'max-room-size': { type: 'string' },
      rate: { type: 'string' },
      'log-format': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(signalHelp)
    return
  }
  const log = createLogger({ component: 'signal', format: logFormat(values['log-format']), quiet: values.quiet })
  const host = setting(values.host, 'host', 'HOST').text
  const port = setting(values.port, 'port', 'PORT')
  const portNumber = integer(port.text, port.label, 4444, 0, 65535)
  const { startSignalServer } = await import('../signal-server.js')
  const server = await startSignalServer({
    ...(host !== undefined ? { host } : {}),
    port: portNumber,
    maxMessageBytes: integer(values['max-message-bytes'], 'max-message-bytes', 64 * 1024, 1024, 64 * 1024 * 1024),
    maxConnections: integer(values['max-connections'], 'max-connections', 1000, 1),
    maxConnectionsPerAddress: integer(values['max-connections-per-address'], 'max-connections-per-address', 32, 1),
    maxSubscribersPerTopicPerAddress: integer(values['max-room-size-per-address'], 'max-room-size-per-address', 8, 1),
    idleTimeoutMs: integer(values['idle-timeout-ms'], 'idle-timeout-ms', 30_000, 100),
    maxTopicsPerConnection: integer(values['max-topics'], 'max-topics', 64, 1),
    maxSubscribersPerTopic: integer(values['max-room-size'], 'max-room-size', 256, 2),
    messagesPerSecond: integer(values.rate, 'rate', 50, 1),
    log: log.line,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new UsageError(`Port ${portNumber} is in use: pick another with --port (or PORT), or 0 for any free port.`)
    throw error
  })
  // Listening for Ctrl-C and SIGTERM before printing: whoever reads the address may stop it at once.
  const stopped = untilSignal()
  console.log(`townhall signal listening on ${server.url}`)
  const signal = await stopped
  log.info(`${signal}, shutting down (${server.stats().connections} connections)`)
  await server.close()
}
