/**
 * Reading the files a user names (settings, rollout files) without trusting them: only regular files (a FIFO,
 * `/dev/zero` or a directory is refused before it is opened, so a read can never hang or fill memory), under a
 * documented size (the SDK's `INPUT_LIMITS`: 1 MB for settings, 20 MB for a rollout file), and every failure is an input error (exit 3) that names the file.
 * @packageDocumentation
 */
import { constants as fsConstants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { CliUsageError } from "../runtime/cli-error";

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a named pipe (FIFO)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a user-named file as UTF-8 text (a BOM is dropped), refusing anything but a regular file of at most
 * `maxBytes`.
 * @param path - the path as given
 * @param options - `what` names the file in messages (e.g. "settings file"), `maxBytes` the limit, `flag` the flag that named it
 * @throws {@link CliUsageError} naming the file and what to do
 */
export async function readUserFile(path: string, options: { what: string; maxBytes: number; flag?: string }): Promise<string> {
  const { what, maxBytes } = options;
  const named = `${what} ${path}${options.flag ? ` (${options.flag})` : ""}`;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "cannot be read (permission denied)" : code === "ENOTDIR" ? "does not exist (a part of the path is not a directory)" : `cannot be read (${code ?? String(error)})`;
    throw new CliUsageError(`The ${named} ${why}.`);
  }
  if (!info.isFile()) throw new CliUsageError(`The ${named} is ${kindOf(info)}; give the path of a regular file.`);
  if (info.size > maxBytes) throw new CliUsageError(`The ${named} is ${sizeText(info.size)}; a ${what} may be at most ${sizeText(maxBytes)}.`);
  let handle;
  try {
    // O_NONBLOCK: should the path have been swapped for a FIFO since the check, opening it still cannot block.
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new CliUsageError(`The ${named} grew past ${sizeText(maxBytes)} while being read; a ${what} may be at most ${sizeText(maxBytes)}.`);
      if (length === buffer.length) break;
    }
    const text = buffer.subarray(0, length).toString("utf8");
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliUsageError(`The ${named} cannot be read (${code ?? String(error)}).`);
  } finally {
    await handle?.close();
  }
}
