/** `townhall signal`: runs the y-webrtc signaling server until Ctrl-C or SIGTERM. */
import { parseArgs } from 'node:util'
import { startSignalServer } from '../signal-server.js'
import { integer, UsageError, untilSignal } from '../args.js'

export const signalHelp = `Usage: townhall signal [options]

Runs a signaling server for the Yjs adapter (y-webrtc's protocol). Peers meet here, then talk
directly over WebRTC; the server relays only encrypted handshakes for rooms named by hashes.

Options:
  --host ADDRESS            address to bind (default 127.0.0.1; 0.0.0.0 or :: to serve others)
  --port N                  port (default 4444; 0 picks a free one)
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
  --quiet                   print only the listening line
  -h, --help                show this help
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
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(signalHelp)
    return
  }
  const server = await startSignalServer({
    ...(values.host !== undefined ? { host: values.host } : {}),
    port: integer(values.port, 'port', 4444, 0, 65535),
    maxMessageBytes: integer(values['max-message-bytes'], 'max-message-bytes', 64 * 1024, 1024, 64 * 1024 * 1024),
    maxConnections: integer(values['max-connections'], 'max-connections', 1000, 1),
    maxConnectionsPerAddress: integer(values['max-connections-per-address'], 'max-connections-per-address', 32, 1),
    maxSubscribersPerTopicPerAddress: integer(values['max-room-size-per-address'], 'max-room-size-per-address', 8, 1),
    idleTimeoutMs: integer(values['idle-timeout-ms'], 'idle-timeout-ms', 30_000, 100),
    maxTopicsPerConnection: integer(values['max-topics'], 'max-topics', 64, 1),
    maxSubscribersPerTopic: integer(values['max-room-size'], 'max-room-size', 256, 2),
    messagesPerSecond: integer(values.rate, 'rate', 50, 1),
    ...(values.quiet ? {} : { log: (line: string) => console.error(`signal: ${line}`) }),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new UsageError(`Port ${values.port ?? 4444} is in use: pick another with --port, or 0 for any free port.`)
    throw error
  })
  console.log(`townhall signal listening on ${server.url}`)
  const signal = await untilSignal()
  if (!values.quiet) console.error(`signal: ${signal}, shutting down (${server.stats().connections} connections)`)
  await server.close()
}
