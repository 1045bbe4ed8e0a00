import { z } from 'zod';

/**
 * The one normalisation of every string a person or a client sends (resident answers, names,
 * codes, CSV cells, API bodies, CLI arguments, query filters). Pure: no I/O.
 *
 * What never belongs in stored text ("forbidden"): C0 controls other than TAB, LF and CR; DEL and
 * the C1 controls (U+007F–U+009F); lone surrogates (JSON can carry "\ud800"; well-formed UTF-8
 * cannot); non-characters (U+FDD0–U+FDEF and the last two code points of every plane, U+xFFFE and
 * U+xFFFF). The explicit bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
 * reorder what a reader sees (a comment or a name displayed backwards), so they are treated the
 * same way; the implicit marks U+200E/U+200F/U+061C stay.
 *
 * Per kind of field (docs/decisions.md records why):
 * - free text (answers, descriptions, notes, reasons): line breaks (CRLF, CR, U+2028, U+2029) made LF, forbidden characters
 *   REMOVED (the text is kept, the caller learns how many went), NFC, trimmed;
 * - names (single-line labels: station, survey title, option, indicator…): NFC, trimmed, REFUSED
 *   when they hold a forbidden character or a line break;
 * - codes, ids, tokens, usernames: ASCII patterns, so anything else is refused by the pattern.
 * Lengths are counted in characters (Unicode code points) after normalisation: an emoji or a
 * CJK Extension B character is one, as people count them.
 */

/** The explicit bidi formatting characters: LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI. */
export const isBidiControl = (cp: number): boolean => (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);

/** A code point that is never stored: see the module comment. TAB, LF and CR are not forbidden. */
export function isForbiddenCodePoint(cp: number): boolean {
  if (cp < 0x20) return cp !== 0x09 && cp !== 0x0a && cp !== 0x0d;
  if (cp >= 0x7f && cp <= 0x9f) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return true;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return true;
  if ((cp & 0xfffe) === 0xfffe) return true;
  return isBidiControl(cp);
}

/** CRLF, CR and the Unicode LINE and PARAGRAPH SEPARATORs are line breaks: stored as LF. */
const OTHER_LINE_BREAKS = /\r\n?|[\u2028\u2029]/g;

/** Characters as people count them: code points, so a surrogate pair (emoji, 𠮷) is one. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The `maxlength` attribute for a limit of `max` characters. Browsers count UTF-16 units and a
 * character is at most two, so the attribute is never stricter than the server, which counts
 * characters (code points) and answers with a message when the text is longer.
 */
export const htmlMaxLength = (max: number): number => 2 * max;

/** "U+0001": how a message names a character nobody can see. */
export const codePointName = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first forbidden code point of a string, or null. `for…of` yields a lone surrogate on its own. */
export function firstForbidden(s: string): number | null {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isForbiddenCodePoint(cp)) return cp;
  }
  return null;
}

export interface CleanText {
  text: string;
  /** How many forbidden characters were removed (line breaks made LF are not counted). */
  removed: number;
}

/**
 * Free text as stored: every line break LF, forbidden characters removed, NFC, trimmed.
 * Idempotent; the result holds no forbidden code point and is in NFC.
 */
export function normaliseFreeText(s: string): CleanText {
  let removed = 0;
  let kept = '';
  for (const ch of s.replace(OTHER_LINE_BREAKS, '\n')) {
    if (isForbiddenCodePoint(ch.codePointAt(0)!)) removed++;
    else kept += ch;
  }
  return { text: kept.normalize('NFC').trim(), removed };
}

export type NameProblem = { kind: 'character'; codePoint: number } | { kind: 'lineBreak' };

/** A single-line name: NFC and trimmed, or the reason it is refused (a forbidden character, a line break). */
export function normaliseName(s: string): { value: string } | { problem: NameProblem } {
  const value = s.normalize('NFC').trim();
  const bad = firstForbidden(value);
  if (bad !== null) return { problem: { kind: 'character', codePoint: bad } };
  if (/[\t\n\r\u2028\u2029]/.test(value)) return { problem: { kind: 'lineBreak' } };
  return { value };
}

/**
 * Digits typed on a Chinese input method come full-width (１２．５, －３) or with a real minus
 * sign (−3): made ASCII (NFKC, then U+2212), trimmed. Anything else is left for the number check to refuse.
 */
export function normaliseNumberText(s: string): string {
  return s.normalize('NFKC').replace(/\u2212/g, '-').trim();
}

/**
 * A password is a secret: compared exactly as typed, never normalised or trimmed. Only what
 * cannot be typed or hashed faithfully is refused (a lone surrogate would be hashed as U+FFFD).
 */
export function passwordProblem(s: string): number | null {
  return firstForbidden(s);
}

/**
 * Free text that is only searched for or quoted (a comment search box, the username a failed
 * login typed, as the audit log records it): cleaned like free text and cut to `max` characters,
 * never inside a surrogate pair.
 */
export function cleanSnippet(s: string, max: number): string {
  return [...normaliseFreeText(s).text].slice(0, max).join('');
}

/* --- zod schemas: how models and services apply the rules above ---------------------------------- */

/** Catalog keys carried by custom zod issues as `params: { key, params }`; services/validate.ts turns them into field messages. */
export const TEXT_ISSUE = { character: 'field.badCharacter', lineBreak: 'field.singleLine' } as const;

type Check = z.core.ParsePayload<string>;

/** Whether a zod issue is one of these rules' own (a refused character or line break). */
export function isTextIssue(issue: z.core.$ZodIssue): boolean {
  if (issue.code !== 'custom') return false;
  const key = (issue.params as { key?: unknown } | undefined)?.key;
  return key === TEXT_ISSUE.character || key === TEXT_ISSUE.lineBreak;
}

/**
 * Issues are pushed with `continue: true`, as zod's own string checks are, so that refinements of
 * the enclosing object (e.g. "the two passwords match") still run and report their field too.
 *
 * Length in characters, checked after normalisation. Built from check/overwrite rather than a
 * transform, so the schemas still describe themselves as strings with a maxLength in JSON Schema
 * (whose maxLength also counts characters, not UTF-16 units).
 */
function lengthCheck(max: number, min: number | undefined) {
  return (ctx: Check) => {
    const n = codePointLength(ctx.value);
    if (n > max) ctx.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: ctx.value, continue: true });
    else if (min !== undefined && n < min) ctx.issues.push({ code: 'too_small', origin: 'string', minimum: min, inclusive: true, input: ctx.value, continue: true });
  };
}

/**
 * Free text of at most `max` characters (staff-written descriptions, help, notes, reasons):
 * forbidden characters are removed; the page or the API answer then shows the text as stored.
 */
export const freeTextSchema = (max: number, options: { min?: number } = {}) =>
  z
    .string()
    .overwrite((s) => normaliseFreeText(s).text)
    .check(lengthCheck(max, options.min))
    .meta({ maxLength: max, ...(options.min ? { minLength: options.min } : {}) });

/** A single-line name of at most `max` characters, refused (naming the character) when it holds one that is never stored. */
export const nameSchema = (max: number, options: { min?: number } = {}) =>
  z
    .string()
    .check((ctx) => {
      const result = normaliseName(ctx.value);
      if (!('problem' in result)) return;
      const p = result.problem;
      ctx.issues.push(
        p.kind === 'character'
          ? { code: 'custom', input: ctx.value, params: { key: TEXT_ISSUE.character, params: { char: codePointName(p.codePoint) } }, continue: true }
          : { code: 'custom', input: ctx.value, params: { key: TEXT_ISSUE.lineBreak }, continue: true },
      );
    })
    .overwrite((s) => s.normalize('NFC').trim())
    .check(lengthCheck(max, options.min))
    .meta({ maxLength: max, ...(options.min ? { minLength: options.min } : {}) });

/**
 * A password: `min`–`max` characters, kept exactly as typed (no normalisation, no trimming) and
 * refused when it holds a character that cannot be typed or hashed faithfully.
 */
export const passwordTextSchema = (min: number, max: number) =>
  z
    .string()
    .check((ctx) => {
      const cp = passwordProblem(ctx.value);
      if (cp !== null) ctx.issues.push({ code: 'custom', input: ctx.value, params: { key: TEXT_ISSUE.character, params: { char: codePointName(cp) } }, continue: true });
    })
    .check(lengthCheck(max, min))
    .meta({ minLength: min, maxLength: max });

/**
 * Text that is handed to a parser as a whole (the CSV of a site import sent as JSON): it must be
 * well-formed Unicode, because a lone surrogate would be turned into U+FFFD on the way to bytes,
 * silently; the cells themselves are then checked field by field.
 */
export const wellFormedTextSchema = () =>
  z.string().check((ctx) => {
    for (const ch of ctx.value) {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        ctx.issues.push({ code: 'custom', input: ctx.value, params: { key: TEXT_ISSUE.character, params: { char: codePointName(cp) } }, continue: true });
        return;
      }
    }
  });

/** A required single-line name: at least one character after trimming. */
export const requiredNameSchema = (max: number) => nameSchema(max, { min: 1 });

/** A name stored before the name rule, made one that passes it: forbidden characters removed, line breaks and tabs made spaces. */
export function repairName(s: string): string {
  return normaliseFreeText(s).text.replace(/[\t\n]+/g, ' ');
}

/**
 * Parses data that was stored before the name rule existed (a name holding a control character, a
 * bidi override or a line break was accepted then): exactly the names the rule refuses are repaired
 * with repairName, everything else is parsed as it is. Used where stored data goes back through an
 * input schema (an evaluation's data, a survey's other questions), so old data never makes a page fail.
 */
export function parseStored<S extends z.ZodType>(schema: S, data: unknown): ReturnType<S['safeParse']> {
  const first = schema.safeParse(data) as ReturnType<S['safeParse']>;
  if (first.success) return first;
  const fixable = first.error!.issues.filter(isTextIssue);
  if (!fixable.length) return first;
  const copy = structuredClone(data);
  for (const issue of fixable) {
    const path = issue.path;
    if (!path.length) continue;
    let holder: unknown = copy;
    for (const key of path.slice(0, -1)) holder = holder && typeof holder === 'object' ? (holder as Record<PropertyKey, unknown>)[key] : undefined;
    const last = path[path.length - 1]!;
    if (holder && typeof holder === 'object' && typeof (holder as Record<PropertyKey, unknown>)[last] === 'string') {
      (holder as Record<PropertyKey, unknown>)[last] = repairName((holder as Record<PropertyKey, string>)[last]!);
    }
  }
  return schema.safeParse(copy) as ReturnType<S['safeParse']>;
}
