/**
 * `Promise.withResolvers` where the runtime lacks it. libp2p and its helpers (mortice's locks,
 * it-queue, the transports, noise, yamux, gossipsub: some fifteen packages) call it; Node 22,
 * current browsers and Deno have it, Node 20 does not. Installed, only if missing, when this
 * module loads: peer.ts imports it first, so both OrbitDB entry points have it before libp2p
 * and Helia are evaluated.
 */
export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown }
  if (typeof P.withResolvers === 'function') return
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void
    let reject!: (reason?: unknown) => void
    const promise = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

installPromiseWithResolvers()
