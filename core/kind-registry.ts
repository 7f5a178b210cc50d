/**
 * The record kinds a space understands, by name: core's own (core-kinds.ts) and the app's, added
 * at open (`kinds`) or later (`Space.registerKind`). Shaped like the tally `methods` table and
 * Helia's codec registry: defaults, user additions, a typed error for an unknown name
 * (`UnknownKindError`) and for a name that is taken (`KindClashError`).
 */
import { CORE_KINDS } from './core-kinds.js'
import { KindClashError, UnknownKindError } from './errors.js'
import type { KindDefinition } from './kind.js'
import type { Validator } from './schema.js'

export class KindRegistry {
  private readonly kinds = new Map<string, KindDefinition>()
  /** Each kind's body validator by name, what validation reads (validate.ts); grows with `register`. */
  readonly schemas = new Map<string, Validator<unknown>>()

  constructor(kinds: Iterable<KindDefinition> = []) {
    for (const kind of CORE_KINDS) this.add(kind)
    for (const kind of kinds) this.register(kind)
  }

  /** Adds an app's kind. The same definition again is a no-op; another one under a taken name is a `KindClashError`. */
  register(kind: KindDefinition): boolean {
    const known = this.kinds.get(kind.name)
    if (known === kind) return false
    if (known) {
      throw new KindClashError(
        kind.name,
        known.part
          ? `"${kind.name}" is one of townhall's own kinds; app kinds are namespaced (org.example/${kind.name}).`
          : `Another definition of kind "${kind.name}" is registered already; define each kind once and register that definition.`,
      )
    }
    if (kind.part) throw new KindClashError(kind.name, `"${kind.name}" is defined as a core kind; apps define theirs with defineKind.`)
    this.add(kind)
    return true
  }

  get(name: string): KindDefinition | undefined {
    return this.kinds.get(name)
  }

  /** The kind named, or an `UnknownKindError`. */
  require(name: string): KindDefinition {
    const kind = this.kinds.get(name)
    if (!kind) throw new UnknownKindError(name)
    return kind
  }

  has(name: string): boolean {
    return this.kinds.has(name)
  }

  /** Every registered kind, core's first. */
  list(): KindDefinition[] {
    return [...this.kinds.values()]
  }

  private add(kind: KindDefinition): void {
    this.kinds.set(kind.name, kind)
    this.schemas.set(kind.name, kind.validate)
  }
}
