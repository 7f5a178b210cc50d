/**
 * The built sample apps served from 127.0.0.1 in this process, with an in-process signaling
 * server, for browser tests that need no sync server or relay (accessibility scans, one or two
 * people on Yjs). `config` adds to the config.json the page reads (a short join timeout, say).
 */
import { startStaticServer, type StaticServer } from '../../cli/static-server.js'
import { startSignalServer, type SignalServer } from '../../cli/signal-server.js'
import { buildApps } from '../support/demo-process.js'

export interface AppServer {
  readonly url: string
  readonly signalUrl: string
  stop(): Promise<void>
}

export async function startAppServer(config: Record<string, unknown> = {}): Promise<AppServer> {
  const apps = await buildApps()
  let signal: SignalServer | undefined
  let server: StaticServer | undefined
  try {
    signal = await startSignalServer({ host: '127.0.0.1', port: 0 })
    server = await startStaticServer({
      directory: apps.dir,
      host: '127.0.0.1',
      port: 0,
      config: { signaling: [signal.url], ...config },
    })
  } catch (error) {
    await signal?.close()
    apps.remove()
    throw error
  }
  const [started, signaling] = [server, signal]
  return {
    url: started.url,
    signalUrl: signaling.url,
    async stop() {
      await started.close()
      await signaling.close()
      apps.remove()
    },
  }
}
