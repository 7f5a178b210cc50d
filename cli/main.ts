/**
 * The `townhall` command line: what peers need besides browsers.
 *
 *   townhall signal     signaling server for the Yjs adapter
 *   townhall demo       the sample apps with a signaling server, a sync server and a relay, on loopback
 *   townhall recount    verify an export and recompute its polls offline
 *   townhall relay      always-on OrbitDB peer that keeps spaces available
 *   townhall sync-server  automerge-repo sync server that keeps spaces available
 */
import { readFileSync } from 'node:fs'
import { TownhallError } from '../core/index.js'
import { UsageError } from './args.js'
import { demoCommand, demoHelp } from './commands/demo.js'
import { recountCommand, recountHelp } from './commands/recount.js'
import { relayCommand, relayHelp } from './commands/relay.js'
import { signalCommand, signalHelp } from './commands/signal.js'
import { syncServerCommand, syncServerHelp } from './commands/sync-server.js'

const commands: Record<string, { run(argv: readonly string[]): Promise<void>; help: string; summary: string }> = {
  signal: { run: signalCommand, help: signalHelp, summary: 'run a signaling server for the Yjs adapter (y-webrtc)' },
  demo: {
    run: demoCommand,
    help: demoHelp,
    summary: 'serve the built sample apps with their signaling server, sync server and relay, on loopback',
  },
  recount: { run: recountCommand, help: recountHelp, summary: 'verify an export and recompute every poll from it alone' },
  'sync-server': { run: syncServerCommand, help: syncServerHelp, summary: 'run an automerge-repo sync server that keeps spaces available' },
  relay: { run: relayCommand, help: relayHelp, summary: 'keep spaces available: an always-on OrbitDB peer and circuit relay' },
}

const usage = `Usage: townhall <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(Math.max(...Object.keys(commands).map((each) => each.length)) + 1)} ${command.summary}`)
  .join('\n')}

Run "townhall <command> --help" for a command's options.
`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8').toString()) as { version: string }
  return pkg.version
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined
    process.stdout.write(topic && commands[topic] ? commands[topic].help : usage)
    return 0
  }
  if (name === '--version' || name === '-v') {
    console.log(version())
    return 0
  }
  const command = commands[name]
  if (!command) {
    process.stderr.write(`townhall: unknown command "${name}".\n\n${usage}`)
    return 2
  }
  try {
    await command.run(rest)
    return 0
  } catch (error) {
    // Mistakes in the call and typed townhall errors are explained; anything else is a bug: show the stack.
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`townhall ${name}: ${(error as Error).message}\nRun "townhall ${name} --help" for usage.\n`)
      return 2
    }
    if (error instanceof TownhallError) {
      process.stderr.write(`townhall ${name}: ${error.name}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
