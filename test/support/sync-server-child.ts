/**
 * `startSyncServer` in a child process of its own (forked with tsx, IPC on), so a test can measure
 * the server's memory (`process.memoryUsage().rss`, after a forced GC) apart from the test's own.
 * Argv[2]: SyncServerOptions as JSON. Answers {op:'stats'} with { rss, stats }; with `gc: true` it
 * forces a garbage collection first (costly: not for a loop that polls).
 */
import { startSyncServer, type SyncServerOptions } from '../../cli/sync-server.js'

const options = JSON.parse(process.argv[2]!) as SyncServerOptions
const server = await startSyncServer({ port: 0, ...options })
const gc = (globalThis as { gc?: () => void }).gc
process.on('message', async (message: { op: string; id: number; gc?: boolean }) => {
  if (message.op === 'stats') {
    if (message.gc) gc?.()
    process.send!({ id: message.id, rss: process.memoryUsage().rss, stats: server.stats() })
  } else if (message.op === 'close') {
    await server.close()
    process.send!({ id: message.id }, () => process.exit(0))
  }
})
process.on('disconnect', () => void server.close().then(() => process.exit(0)))
process.send!({ ready: server.url })
