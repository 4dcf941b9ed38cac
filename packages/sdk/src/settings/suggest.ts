/**
 * Did-you-mean suggestions for misspelled keys and enum values.
 * @packageDocumentation
 */

/**
 * Levenshtein distance between two strings (case-sensitive; callers lower-case first).
 * @internal
 */
export function editDistance(a: string, b: string): number {
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `input` (ignoring case), when it is close enough to be a plausible typo. A misspelt
 * prefix counts too (`tcpTimout` is `tcpTimeoutSeconds` with a typo in `tcpTimeout`): the input is also compared with
 * the candidate's prefixes of about its own length, and within a quarter of its length (at least 1) that is a match.
 * @internal
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bestPrefix: string | undefined;
  let bestPrefixDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const hay = candidate.toLowerCase();
    const distance = hay.startsWith(needle) || needle.startsWith(hay) ? Math.abs(hay.length - needle.length) : editDistance(needle, hay);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
    if (needle.length >= 4 && hay.length > needle.length) {
      for (const length of [needle.length - 1, needle.length, needle.length + 1]) {
        const d = editDistance(needle, hay.slice(0, length));
        if (d < bestPrefixDistance) {
          bestPrefix = candidate;
          bestPrefixDistance = d;
        }
      }
    }
  }
  const threshold = Math.max(2, Math.floor((best?.length ?? 0) / 3));
  if (bestDistance <= threshold) return best;
  return bestPrefixDistance <= Math.max(1, Math.floor(needle.length / 4)) ? bestPrefix : undefined;
}
