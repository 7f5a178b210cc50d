/**
 * Text rules for what people read as a name or a choice: a profile or space name, a poll option.
 *
 * - `unsafeCharacter` finds characters that change how text looks without being seen: bidi
 *   controls (a right-to-left override turns "Bob\u202Egnp.exe" into "Bobexe.png"), zero-width
 *   and other invisible characters, and control characters. Emoji keep the joiners and tags they
 *   are built from (a zero-width joiner right after a pictograph, tag characters after a flag).
 * - `textKey` is what makes two options the same for a reader: Unicode NFC (so "Café" typed with
 *   a combining accent equals the precomposed one), case folding ("Yes" = "yes", "STRASSE" =
 *   "straße") and whitespace collapsed and trimmed ("Red  apple" = "Red apple").
 *
 * Both are pure and depend only on the Unicode tables of the JavaScript engine, so every peer
 * judges the same text the same way (records are rejected by schema rules, never by a clock).
 *
 * @example
 * ```ts
 * import { textKey, unsafeCharacter } from './text.js'
 * textKey('Cafe\u0301') === textKey('CAFÉ') // -> true
 * unsafeCharacter('Bob\u202Egnp.exe') // -> 'a bidi control (U+202E)'
 * ```
 */

/** Bidi embeddings, overrides, isolates and marks: they reorder the text around them. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u
/** Format and control characters, and blanks that render as nothing (Hangul fillers, braille blank, CGJ). */
const INVISIBLE = /[\p{Cc}\p{Cf}\u034F\u115F\u1160\u3164\uFFA0\u2800\u2028\u2029]/u
/** What an emoji may carry: a ZWJ after a pictograph (with its modifiers), tags after a flag. */
const EMOJI_ZWJ = /\p{Extended_Pictographic}(?:\u{FE0F}|\p{Emoji_Modifier})?\u200D(?=\p{Extended_Pictographic})/gu
const EMOJI_TAGS = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu

const hex = (char: string): string => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`

/**
 * The first character of `text` that would let it pass for other text, described for a rejection
 * detail ("a bidi control (U+202E)"), or undefined when there is none.
 */
export function unsafeCharacter(text: string): string | undefined {
  const bidi = BIDI.exec(text)
  if (bidi) return `a bidi control (${hex(bidi[0])})`
  // Remove what emoji are built from, keeping the pictographs, then look for what is left.
  const plain = text.replace(EMOJI_ZWJ, (match) => match.slice(0, -1)).replace(EMOJI_TAGS, '\u{1F3F4}')
  const invisible = INVISIBLE.exec(plain)
  return invisible ? `an invisible or control character (${hex(invisible[0])})` : undefined
}

/** Whitespace runs as one space, trimmed: what a reader sees of the spacing. */
export const collapseSpaces = (text: string): string => text.replace(/\s+/gu, ' ').trim()

/**
 * The form under which two texts are the same option: NFC, case-folded (upper then lower case,
 * which folds "ß" with "SS" as full case folding does), whitespace collapsed.
 *
 * Case is folded only below U+0530 (Latin, Greek, Cyrillic), whose case pairs have not changed
 * since Unicode 7: a peer rejects a poll by this key, so it must not depend on which Unicode
 * version the peer's engine has. Letters of scripts whose case pairs are still being added
 * (Unicode 16 added some) are compared as they are.
 */
export const textKey = (text: string): string => collapseSpaces(foldStableCase(text.normalize('NFC')).normalize('NFC'))

function foldStableCase(text: string): string {
  let out = ''
  for (const char of text) out += char.codePointAt(0)! < 0x530 ? char.toUpperCase().toLowerCase() : char
  return out
}

/** The index of the first item that has the same `textKey` as an earlier one, with that earlier index. */
export function firstDuplicate(texts: readonly string[]): { index: number; sameAs: number } | undefined {
  const seen = new Map<string, number>()
  for (let index = 0; index < texts.length; index++) {
    const key = textKey(texts[index]!)
    const sameAs = seen.get(key)
    if (sameAs !== undefined) return { index, sameAs }
    seen.set(key, index)
  }
  return undefined
}
