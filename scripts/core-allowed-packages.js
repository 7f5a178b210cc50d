/**
 * Packages core/ may import (subpaths such as `multiformats/cid` included): the one list that both
 * eslint.config.js and scripts/check-imports.js enforce.
 */
export const CORE_ALLOWED_PACKAGES = [
  'multiformats',
  '@ipld/dag-cbor',
  'cborg',
  '@noble/curves',
  '@noble/hashes',
  // Private spaces (core/private/): sealing, and HPKE for epoch keys.
  '@noble/ciphers',
  '@hpke/core',
  '@hpke/chacha20poly1305',
  '@hpke/dhkem-x25519',
]
