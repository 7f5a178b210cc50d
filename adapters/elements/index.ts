/**
 * townhall/elements: framework-free custom elements for any page. `<townhall-poll>` shows one
 * poll, live or final, and lets a member vote; `<townhall-feed>` shows a space's posts. Both open
 * the space their share link names over Yjs and y-webrtc (the `signaling` attribute), keep one
 * identity per browser, and are styled with CSS custom properties and `::part()`. Needs the
 * optional peers `yjs`, `y-webrtc`, `y-protocols` and `lib0`. `defineElements()` registers them;
 * `townhall/elements/register` (or the prebuilt script) does so on import.
 *
 * @example
 * ```html
 * <script type="module">
 *   import { defineElements } from 'townhall/elements'
 *   defineElements()
 * </script>
 * <townhall-poll link="https://example.org/#/join/#space=…&secret=…" poll="bafy…" signaling="wss://signal.example.org"></townhall-poll>
 * ```
 */
import { TownhallFeed } from './feed.js'
import { TownhallPoll } from './poll.js'

export { TownhallFeed, TownhallPoll }
export { pageIdentity } from './identity.js'

/** Registers `<townhall-poll>` and `<townhall-feed>` (once; a second call does nothing). */
export function defineElements(registry: CustomElementRegistry = customElements): void {
  if (!registry.get('townhall-poll')) registry.define('townhall-poll', TownhallPoll)
  if (!registry.get('townhall-feed')) registry.define('townhall-feed', TownhallFeed)
}
