/** `townhall demo`: the signaling server plus the built sample apps, on loopback, until Ctrl-C. */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startSignalServer } from '../signal-server.js'
import { startStaticServer } from '../static-server.js'
import { integer, UsageError, untilSignal } from '../args.js'

export const demoHelp = `Usage: townhall demo [options]

Serves the built sample apps (npm run build:apps) and runs a signaling server beside them, both on
127.0.0.1 by default. Open the printed address in two browser windows (or two browsers) and they
sync peer to peer over WebRTC. Ctrl-C stops both.

Options:
  --host ADDRESS       address for both servers (default 127.0.0.1)
  --port N             web server port (default 5173; 0 picks a free one)
  --signal-port N      signaling server port (default 4444; 0 picks a free one)
  --dir PATH           the built apps (default dist/apps, from the current directory)
  -h, --help           show this help
`

export async function demoCommand(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'signal-port': { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(demoHelp)
    return
  }
  const directory = resolve(values.dir ?? join('dist', 'apps'))
  if (!existsSync(join(directory, 'index.html')))
    throw new UsageError(`No built apps in ${directory}: run "npm run build:apps" first (npm start does both).`)
  const signal = await startSignalServer({ host: values.host, port: integer(values['signal-port'], 'signal-port', 4444, 0, 65535) })
  const web = await startStaticServer({
    directory,
    host: values.host,
    port: integer(values.port, 'port', 5173, 0, 65535),
    config: { signaling: [signal.url] },
  }).catch(async (error: unknown) => {
    await signal.close()
    throw error
  })
  console.log(`townhall signal listening on ${signal.url}`)
  console.log(`townhall apps at ${web.url}`)
  console.log(`\n  Open ${web.url} in two browser windows (or a normal and a private one) and create a space.\n  Ctrl-C stops.\n`)
  await untilSignal()
  await Promise.all([web.close(), signal.close()])
}
