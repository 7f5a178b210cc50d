/**
 * Secret-ballot salts (core's BallotSecretStore) kept in the app's IndexedDB, next to the
 * identity: a lost salt means a secret ballot that can never be revealed, so never counted.
 * Passed to Space.create / Space.open as `secrets`.
 */
import type { BallotSecret, BallotSecretStore } from '../../../core/index.js'
import type { KeyValueStore } from './storage.js'

const isSecret = (value: unknown): value is BallotSecret =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as BallotSecret).poll === 'string' &&
  (value as BallotSecret).salt instanceof Uint8Array &&
  'choice' in value

export function keyValueSecretStore(store: KeyValueStore): BallotSecretStore {
  return {
    async get(ballotId) {
      const value = await store.get<unknown>(ballotId)
      // Structured clone keeps Uint8Array; anything else is not ours (or damaged) and is ignored.
      return isSecret(value) ? value : undefined
    },
    async set(ballotId, secret) {
      // The choice is plain data (numbers, arrays, objects): structured-cloneable as it is.
      await store.set(ballotId, { poll: secret.poll, choice: secret.choice, salt: new Uint8Array(secret.salt) })
    },
  }
}
