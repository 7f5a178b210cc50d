/**
 * The `townhall` command line: what peers need besides browsers.
 *
 *   townhall signal     signaling server for the Yjs adapter
 *   townhall demo       the sample apps with a signaling server, a sync server and a relay, on loopback
 *   townhall recount    verify an export and recompute its polls offline
 *   townhall relay      always-on OrbitDB peer that keeps spaces available
 *   townhall sync-server  automerge-repo sync server that keeps spaces available
 *
 * Each command is imported only when it runs, and loads its adapter's libraries only after its
 * options are read: those libraries are optional peer dependencies, so `--help`, `--version`,
 * `signal` and `recount` work with townhall's own dependencies alone, and a command whose packages
 * are missing says which to install (MissingDependencyError, exit code 3).
 */
import { MissingDependencyError, TownhallError } from '../core/index.js'
import { UsageError } from './args.js'
import { packageInfo } from './package-info.js'

interface Command {
  run(argv: readonly string[]): Promise<void>
  readonly help: string
}

const commands: Record<string, { summary: string; load(): Promise<Command> }> = {
  signal: {
    summary: 'run a signaling server for the Yjs adapter (y-webrtc)',
    load: async () => import('./commands/signal.js').then((m) => ({ run: m.signalCommand, help: m.signalHelp })),
  },
  demo: {
    summary: 'serve the built sample apps with their signaling server, sync server and relay, on loopback',
    load: async () => import('./commands/demo.js').then((m) => ({ run: m.demoCommand, help: m.demoHelp })),
  },
  recount: {
    summary: 'verify an export and recompute every poll from it alone',
    load: async () => import('./commands/recount.js').then((m) => ({ run: m.recountCommand, help: m.recountHelp })),
  },
  'sync-server': {
    summary: 'run an automerge-repo sync server that keeps spaces available',
    load: async () => import('./commands/sync-server.js').then((m) => ({ run: m.syncServerCommand, help: m.syncServerHelp })),
  },
  relay: {
    summary: 'keep spaces available: an always-on OrbitDB peer and circuit relay',
    load: async () => import('./commands/relay.js').then((m) => ({ run: m.relayCommand, help: m.relayHelp })),
  },
}

const usage = `Usage: townhall <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(Math.max(...Object.keys(commands).map((each) => each.length)) + 1)} ${command.summary}`)
  .join('\n')}

Run "townhall <command> --help" for a command's options. "townhall --version" prints the version.

Exit codes: 0 done; 1 failed; 2 wrong usage; 3 a package the command needs is not installed.
`

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined
    const command = topic !== undefined && Object.hasOwn(commands, topic) ? await commands[topic]!.load() : undefined
    process.stdout.write(command ? command.help : usage)
    return 0
  }
  if (name === '--version' || name === '-v') {
    console.log(packageInfo().version)
    return 0
  }
  if (!Object.hasOwn(commands, name)) {
    process.stderr.write(`townhall: unknown command "${name}".\n\n${usage}`)
    return 2
  }
  try {
    const command = await commands[name]!.load()
    await command.run(rest)
    return 0
  } catch (error) {
    // Mistakes in the call and typed townhall errors are explained; anything else is a bug: show the stack.
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`townhall ${name}: ${(error as Error).message}\nRun "townhall ${name} --help" for usage.\n`)
      return 2
    }
    if (error instanceof MissingDependencyError) {
      process.stderr.write(`${error.message}\n`)
      return 3
    }
    if (error instanceof TownhallError) {
      process.stderr.write(`townhall ${name}: ${error.name}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
