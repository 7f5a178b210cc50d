/**
 * Which pages of the feed to draw. A feed loads pages of posts as the person scrolls, and only the
 * pages near the viewport are drawn as cards; every other loaded page is one empty element of the
 * height it had when it was last drawn, so the scroll bar and scroll position stay true while a
 * feed of 10,000 posts keeps a few hundred elements on the page instead of tens of thousands.
 */

/** A loaded page's box, in viewport coordinates (from getBoundingClientRect). */
export interface PageBox {
  readonly page: number
  readonly top: number
  readonly bottom: number
}

export interface WindowInput {
  /** Each loaded page's box, drawn or not (a page not drawn is its spacer). */
  readonly boxes: readonly PageBox[]
  readonly viewportHeight: number
  /** Pages that must stay drawn whatever their place: the one holding focus, a permalink's. */
  readonly keep: Iterable<number>
}

/**
 * The pages to draw: those within one viewport height above or below the viewport, plus `keep`.
 * Views far from the viewport are left out even when they are loaded.
 */
export function pagesToDraw({ boxes, viewportHeight, keep }: WindowInput): Set<number> {
  const margin = viewportHeight
  const out = new Set<number>(keep)
  for (const box of boxes) if (box.bottom >= -margin && box.top <= viewportHeight + margin) out.add(box.page)
  return out
}

/** True when the end of what is loaded is within one viewport height of the viewport: time to load the next page. */
export function nearEnd(listBottom: number, viewportHeight: number): boolean {
  return listBottom <= 2 * viewportHeight
}

/** Joins the boxes of a page's elements (its cards, or its one spacer) into one box per page. */
export function pageBoxes(elements: Iterable<{ page: number; top: number; bottom: number }>): PageBox[] {
  const boxes = new Map<number, { page: number; top: number; bottom: number }>()
  for (const { page, top, bottom } of elements) {
    const box = boxes.get(page)
    if (!box) boxes.set(page, { page, top, bottom })
    else {
      box.top = Math.min(box.top, top)
      box.bottom = Math.max(box.bottom, bottom)
    }
  }
  return [...boxes.values()]
}

export const sameSet = (a: ReadonlySet<number>, b: ReadonlySet<number>): boolean => a.size === b.size && [...a].every((x) => b.has(x))
