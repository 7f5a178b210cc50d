/**
 * What both elements share: attributes `link` (a share link) and `signaling` (space-separated
 * y-webrtc signaling URLs), a shadow root, the connection to the space, and a `select`
 * subscription that calls `render` whenever what it read changed.
 */
import { select, type ShareLink, type Space } from '../../core/index.js'
import { connect, type Connection } from './connection.js'

// Inherit from HTMLElement only where there is one, so importing this module in Node (docs, SSR) does not throw.
const Base = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement

export abstract class TownhallElement<T> extends Base {
  static readonly observedAttributes: readonly string[] = ['link', 'signaling']
  protected readonly root: ShadowRoot
  protected space: Space | undefined
  protected link: ShareLink | undefined
  private connection: Connection | undefined
  private stop: (() => void) | undefined
  private generation = 0

  constructor() {
    super()
    this.root = this.attachShadow({ mode: 'open' })
  }

  /** The view this element shows, read from the space. */
  protected abstract read(space: Space): T
  /** Draws `value` (undefined before the space opened) into the shadow root. */
  protected abstract render(value: T | undefined): void

  connectedCallback(): void {
    void this.start()
  }

  disconnectedCallback(): void {
    this.teardown()
  }

  attributeChangedCallback(): void {
    if (this.isConnected) void this.start()
  }

  protected setStatus(text: string): void {
    this.root.querySelector('[part~="status"]')?.replaceChildren(text)
  }

  private teardown(): void {
    this.generation++
    this.stop?.()
    this.stop = undefined
    this.connection?.release()
    this.connection = undefined
    this.space = undefined
  }

  private async start(): Promise<void> {
    this.teardown()
    const generation = this.generation
    const linkText = this.getAttribute('link')
    const signaling = (this.getAttribute('signaling') ?? '').split(/\s+/).filter(Boolean)
    this.render(undefined)
    if (!linkText) return this.setStatus('No share link given.')
    try {
      this.connection = connect(linkText, signaling)
      this.link = this.connection.link
      const space = await this.connection.space
      if (generation !== this.generation) return
      this.space = space
      const store = select(space, (s) => this.read(s))
      const draw = () => this.render(store.get())
      this.stop = store.subscribe(draw)
      draw()
    } catch (error) {
      if (generation === this.generation) this.setStatus((error as Error).message)
    }
  }
}

/** Creates an element with attributes and text, for the small trees the elements draw. */
export function h(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  element.append(...children)
  return element
}
