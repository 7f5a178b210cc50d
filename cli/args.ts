/** Small helpers shared by the command-line commands. */

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  static override readonly name = 'UsageError'
  override readonly name = 'UsageError'
}

/**
 * Parses an integer option, with a message that names the option and the accepted range. `name`
 * is an option name (`port`, printed `--port`) or a label from `setting` (`PORT (environment)`).
 */
export function integer(text: string | undefined, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback
  // Number() would read "" and " " as 0 and accept "0x10" or "1e3": only plain decimal digits count.
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${/^[a-z]/.test(name) ? `--${name}` : name} must be a whole number from ${min} to ${max}, got "${text}".`)
  return value
}

/** Resolves with the name of the first SIGINT or SIGTERM, so a command can shut down cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolve(signal)
    }
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
}

/**
 * A setting given by a flag or, failing that, by an environment variable, as servers in
 * containers and on hosting platforms expect (PORT, HOST, TOWNHALL_DATA_DIR). Flags win. `label`
 * names where the value came from, for error messages.
 */
export function setting(
  flag: string | undefined,
  flagName: string,
  variable: string,
  env: NodeJS.ProcessEnv = process.env,
): { readonly text: string | undefined; readonly label: string } {
  if (flag !== undefined) return { text: flag, label: `--${flagName}` }
  const value = env[variable]
  if (value !== undefined && value !== '') return { text: value, label: `${variable} (environment)` }
  return { text: undefined, label: `--${flagName}` }
}
