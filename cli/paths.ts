/**
 * Where the servers keep data when no directory is given: a folder per server under townhall's
 * per-user data folder (env-paths: $XDG_DATA_HOME or ~/.local/share/townhall on Linux,
 * ~/Library/Application Support/townhall on macOS, %LOCALAPPDATA%\townhall\Data on Windows),
 * never the working directory.
 */
import { join } from 'node:path'
import envPaths from 'env-paths'

export type DataComponent = 'relay' | 'sync'

export function dataDirectory(component: DataComponent): string {
  return join(envPaths('townhall', { suffix: '' }).data, component)
}
