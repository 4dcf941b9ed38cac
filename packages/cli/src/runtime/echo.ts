/**
 * The one way a message repeats a value the user typed (a flag, an environment variable): bounded and visible, so a
 * 10 KB `--subscription` or a value full of control characters cannot flood or garble the terminal or a CI log.
 * @packageDocumentation
 */

/** The longest user value a message repeats whole (in characters). */
export const MAX_ECHO_LENGTH = 80;

/**
 * A user's value as a message quotes it: control characters written as `\uXXXX` escapes, and a value longer than
 * `max` characters cut there with an ellipsis and its whole length (`xxxx… (10000 characters)`).
 * @param value - what the user gave
 * @param max - how many characters to keep (default {@link MAX_ECHO_LENGTH})
 */
export function echoValue(value: string, max = MAX_ECHO_LENGTH): string {
  const chars = [...value];
  const kept = chars.length > max ? chars.slice(0, max).join("") : value;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
  const visible = kept.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return chars.length > max ? `${visible}… (${chars.length} characters)` : visible;
}
