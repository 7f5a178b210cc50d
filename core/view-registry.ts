/**
 * The app views of one space (view.ts): their states, which kinds fold into which, and a version
 * per view so that a subscriber hears only of the views that changed.
 */
import { KindClashError, UnknownKindError } from './errors.js'
import type { KindDefinition } from './kind.js'
import { KindRegistry } from './kind-registry.js'
import type { SignedRecord } from './record.js'
import type { ViewDefinition } from './view.js'

type AnyView = ViewDefinition<unknown, unknown, unknown>

interface Held {
  readonly view: AnyView
  state: unknown
  version: number
}

export class ViewRegistry {
  private readonly views = new Map<string, Held>()
  private readonly byKind = new Map<string, Held[]>()

  /** Throws `KindClashError` if a view the kind declares has a name another view holds; changes nothing. */
  check(kind: KindDefinition): void {
    const names = new Map<string, AnyView>()
    for (const view of kind.views as readonly AnyView[]) {
      const known = this.views.get(view.name)?.view ?? names.get(view.name)
      if (known && known !== view) {
        throw new KindClashError(view.name, `Another view named "${view.name}" is registered already; share one definition between kinds.`)
      }
      names.set(view.name, view)
    }
  }

  /** Takes the views a kind declares (`check` first: a view already known by that name must be the same definition). */
  register(kind: KindDefinition): void {
    this.check(kind)
    const held: Held[] = []
    for (const view of kind.views as readonly AnyView[]) {
      const known = this.views.get(view.name)
      if (known) {
        if (!held.includes(known)) held.push(known)
      } else {
        const fresh = { view, state: view.init(), version: 0 }
        this.views.set(view.name, fresh)
        held.push(fresh)
      }
    }
    if (held.length > 0) this.byKind.set(kind.name, held)
  }

  /** Folds an authorized record into the views of its kind; whether there were any. */
  add(record: SignedRecord): boolean {
    const held = this.byKind.get(record.kind)
    if (!held) return false
    for (const entry of held) {
      try {
        entry.state = entry.view.add(entry.state, record)
      } catch (error) {
        // An app's bug must not stop the space: this record leaves this view as it was, on every peer alike.
        console.error(`townhall: view ${entry.view.name} threw on record ${record.id}`, error)
      }
      entry.version++
    }
    return true
  }

  /** Every view empty again, before the space folds everything anew (membership changed). */
  reset(): void {
    for (const entry of this.views.values()) {
      entry.state = entry.view.init()
      entry.version++
    }
  }

  read<V>(name: string): V {
    const entry = this.require(name)
    return (entry.view.read ? entry.view.read(entry.state) : entry.state) as V
  }

  /** Changes whenever the view may have changed. */
  version(name: string): number {
    return this.require(name).version
  }

  private require(name: string): Held {
    const entry = this.views.get(name)
    if (!entry) throw new UnknownKindError(name, 'view')
    return entry
  }
}

/** The kinds and views of a space that registers the app's `kinds`; throws before anything is opened if they clash. */
export function registries(kinds: readonly KindDefinition[] = []): { kinds: KindRegistry; views: ViewRegistry } {
  const registry = new KindRegistry()
  const views = new ViewRegistry()
  for (const kind of kinds) {
    views.check(kind)
    registry.register(kind)
    views.register(kind)
  }
  return { kinds: registry, views }
}
