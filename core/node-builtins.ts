/**
 * The few Node built-ins core uses when it runs in Node (faster signature checks), reached without
 * importing them: through `process.getBuiltinModule` (Node >= 20.16), so bundles for browsers never
 * see them, and described here by the parts core calls, so core does not depend on Node's types.
 */

/** An opaque node:crypto `KeyObject`. */
export type NodeKey = object

export interface NodeCrypto {
  /** One-shot digest (Node >= 20.12): no Hash object per call. */
  hash?(algorithm: 'sha256', data: Uint8Array, outputEncoding: 'buffer'): Uint8Array
  createPublicKey(input: { key: { kty: 'OKP'; crv: 'Ed25519'; x: string }; format: 'jwk' }): NodeKey
  createPrivateKey(input: { key: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string }; format: 'jwk' }): NodeKey
  sign(algorithm: null, data: Uint8Array, key: NodeKey): Uint8Array
  createCipheriv(algorithm: 'chacha20-poly1305', key: Uint8Array, iv: Uint8Array, options: { authTagLength: 16 }): NodeAead
  createDecipheriv(algorithm: 'chacha20-poly1305', key: Uint8Array, iv: Uint8Array, options: { authTagLength: 16 }): NodeAead
  createHmac(algorithm: 'sha256', key: Uint8Array): { update(data: Uint8Array): { digest(): Uint8Array } }
  verify(
    algorithm: null,
    data: Uint8Array,
    key: NodeKey,
    signature: Uint8Array,
    callback: (error: Error | null, valid: boolean) => void,
  ): void
}

/** A node:crypto Cipher or Decipher for ChaCha20-Poly1305 (RFC 8439); `final` throws on a wrong tag. */
export interface NodeAead {
  setAAD(aad: Uint8Array, options: { plaintextLength: number }): unknown
  setAuthTag(tag: Uint8Array): unknown
  getAuthTag(): Uint8Array
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
}

export interface NodeWorker {
  on(event: 'message', listener: (message: never) => void): unknown
  on(event: 'error' | 'exit', listener: () => void): unknown
  postMessage(value: unknown, transfer: ArrayBuffer[]): void
  ref(): void
  unref(): void
  terminate(): Promise<number>
}

export interface NodeWorkerThreads {
  readonly Worker: new (source: string, options: { eval: true; execArgv: string[] }) => NodeWorker
}

export interface NodeOs {
  availableParallelism?(): number
}

interface Builtins {
  'node:crypto': NodeCrypto
  'node:worker_threads': NodeWorkerThreads
  'node:os': NodeOs
}

/** A Node built-in, or undefined outside Node (or in a Node too old to offer `getBuiltinModule`). */
export function builtin<K extends keyof Builtins>(id: K): Builtins[K] | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return process?.getBuiltinModule?.(id) as Builtins[K] | undefined
  } catch {
    return undefined
  }
}

const nodeCrypto = builtin('node:crypto')
/** node:crypto where core runs in Node, for the few native paths (frames of private spaces). */
export const nodeCryptoModule: NodeCrypto | undefined = nodeCrypto

/**
 * Node's one-shot `crypto.hash('sha256')` where there is one (Node >= 20.12), else undefined. It
 * hands back a Buffer: callers that keep the digest make it a plain Uint8Array.
 */
export const nodeSha256: ((bytes: Uint8Array) => Uint8Array) | undefined = nodeCrypto?.hash
  ? (bytes) => nodeCrypto.hash!('sha256', bytes, 'buffer')
  : undefined
