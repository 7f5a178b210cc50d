/**
 * What the servers print while they run: one line per event on stderr, with an ISO timestamp and
 * a level, as text for people or as JSON (one object per line) for log collectors:
 *
 *   2026-12-07T10:00:00.000Z INFO  signal: closed a connection: idle
 *   {"time":"2026-12-07T10:00:00.000Z","level":"info","component":"signal","msg":"closed a connection: idle"}
 *
 * The format comes from `--log-format`, else TOWNHALL_LOG_FORMAT, else text. Lines meant for
 * scripts (`townhall signal listening on ws://…`) stay plain on stdout.
 */
import { UsageError } from './args.js'

export type LogLevel = 'info' | 'warn' | 'error'
export type LogFormat = 'text' | 'json'

export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  /** A `(line) => void` for the servers' `log` option: refusals, rejections and failures are warnings. */
  readonly line: (line: string) => void
}

export interface LoggerOptions {
  /** Names the source of each line: `signal`, `sync-server`, `relay`. */
  readonly component: string
  readonly format?: LogFormat
  /** Only warnings and errors. */
  readonly quiet?: boolean
  readonly write?: (text: string) => void
  readonly now?: () => Date
}

/** `--log-format` if given, else TOWNHALL_LOG_FORMAT, else text. */
export function logFormat(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const [value, label] = flag !== undefined ? [flag, '--log-format'] : [env.TOWNHALL_LOG_FORMAT, 'TOWNHALL_LOG_FORMAT']
  if (value === undefined || value === '' || value === 'text') return 'text'
  if (value === 'json') return 'json'
  throw new UsageError(`${label} must be "text" or "json", got "${value}".`)
}

// The servers report through one `log(line)` callback; these words open the lines that mean
// something was refused or went wrong rather than routine progress.
const WARNING = /^(refused|rejected|dropped|could not|cannot|failed)\b/i

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((text: string) => void process.stderr.write(text))
  const now = options.now ?? (() => new Date())
  const format = options.format ?? 'text'
  const emit = (level: LogLevel, message: string) => {
    if (options.quiet && level === 'info') return
    const time = now().toISOString()
    write(
      format === 'json'
        ? `${JSON.stringify({ time, level, component: options.component, msg: message })}\n`
        : `${time} ${level.toUpperCase().padEnd(5)} ${options.component}: ${message}\n`,
    )
  }
  return {
    info: (message) => emit('info', message),
    warn: (message) => emit('warn', message),
    error: (message) => emit('error', message),
    line: (line) => emit(WARNING.test(line) ? 'warn' : 'info', line),
  }
}
