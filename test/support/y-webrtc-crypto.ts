/** y-webrtc's encryption of signaling messages (y-webrtc/src/crypto.js, not exported), as an insider with the room password can do it. */
import { webcrypto } from 'node:crypto'
import * as buffer from 'lib0/buffer'
import * as encoding from 'lib0/encoding'

export async function roomKey(password: string, room: string): Promise<CryptoKey> {
  const material = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveKey'])
  return webcrypto.subtle.deriveKey(
    { name: 'PBKDF2', salt: new TextEncoder().encode(room), iterations: 100_000, hash: 'SHA-256' },
    material,
    { name: 'AES-GCM', length: 256 },
    true,
    ['encrypt', 'decrypt'],
  ) as Promise<CryptoKey>
}

/** The base64 `data` of a y-webrtc publish. */
export async function encryptJson(data: unknown, key: CryptoKey): Promise<string> {
  const plain = encoding.createEncoder()
  encoding.writeAny(plain, data as never)
  const iv = webcrypto.getRandomValues(new Uint8Array(12))
  const cipher = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, encoding.toUint8Array(plain)))
  const out = encoding.createEncoder()
  encoding.writeVarString(out, 'AES-GCM')
  encoding.writeVarUint8Array(out, iv)
  encoding.writeVarUint8Array(out, cipher)
  return buffer.toBase64(encoding.toUint8Array(out))
}
