// data_dir holds every account's SCRAM keys, every archived and offline message and the TLS
// private key (issue 25 item 7): it is created 0700 and its files 0600, so no other local
// user can read them, whatever the umask. A data_dir or file made looser by an earlier version
// (0755/0644) is tightened at start, and each change is reported so the server can log it.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs"
import { join } from "node:path"

/** Mode of data_dir: owner only. */
export const privateDirectoryMode = 0o700
/** Mode of every file the server keeps in data_dir: owner read and write only. */
export const privateFileMode = 0o600

/** A path whose permissions were tightened, with the mode it had. */
export interface Tightened {
  readonly path: string
  /** The permission bits it had, e.g. "755". */
  readonly was: string
  /** The permission bits it has now, e.g. "700". */
  readonly now: string
}

const permissionsOf = (path: string): number | undefined => {
  try {
    return statSync(path).mode & 0o777
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw error
  }
}

/** Narrows `path` to `mode` when it exists and grants more; the change, or undefined. */
export const tighten = (path: string, mode: number): Tightened | undefined => {
  const current = permissionsOf(path)
  if (current === undefined || (current & ~mode) === 0) return undefined
  chmodSync(path, current & mode)
  return { path, was: current.toString(8), now: (current & mode).toString(8) }
}

/** Creates `directory` (and missing parents) 0700, or tightens it when it exists. */
export const ensurePrivateDirectory = (directory: string): Tightened | undefined => {
  mkdirSync(directory, { recursive: true, mode: privateDirectoryMode })
  return tighten(directory, privateDirectoryMode)
}

/**
 * Creates `file` empty with mode 0600 when absent (before a library opens it with its own
 * default mode), or tightens it when it exists.
 */
export const ensurePrivateFile = (file: string): Tightened | undefined => {
  closeSync(openSync(file, "a", privateFileMode))
  return tighten(file, privateFileMode)
}

/**
 * At start: data_dir 0700 (created when missing) and the given files in it 0600 when they
 * exist. Returns what was tightened. Example:
 * `secureDataDirectory("/var/lib/xmpp", ["xmpp-amp.sqlite", "xmpp-amp.sqlite-wal"])`.
 */
export const secureDataDirectory = (
  dataDir: string,
  files: ReadonlyArray<string>,
): ReadonlyArray<Tightened> => {
  const changes = [ensurePrivateDirectory(dataDir)]
  for (const file of files) changes.push(tighten(join(dataDir, file), privateFileMode))
  return changes.filter((change) => change !== undefined)
}
