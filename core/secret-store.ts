/** Where a voter's secret-ballot salts wait for the reveal. Apps persist them with the identity. */

export interface BallotSecret {
  readonly poll: string
  readonly choice: unknown
  readonly salt: Uint8Array
}

export interface BallotSecretStore {
  get(ballotId: string): Promise<BallotSecret | undefined>
  /** Must be durable when it resolves: the ballot is published only afterwards. */
  set(ballotId: string, secret: BallotSecret): Promise<void>
}

export function memorySecretStore(): BallotSecretStore {
  const secrets = new Map<string, BallotSecret>()
  return {
    get: async (id) => secrets.get(id),
    set: async (id, secret) => void secrets.set(id, secret),
  }
}
