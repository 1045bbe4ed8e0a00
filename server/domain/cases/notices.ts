/** An address a notice can go to: one @, a dotted domain, no spaces or angle brackets (≤ 254 characters). */
export function isValidEmail(s: string): boolean {
  return s.length <= 254 && /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;".]{2,}$/.test(s);
}
