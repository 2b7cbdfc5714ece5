// data_dir holds every account's SCRAM keys, every archived and offline message and the TLS
// private key (issue 25 item 7): it is created 0700 and its files 0600, so no other local
// user can read them, whatever the umask. A data_dir or file made looser by an earlier version
// (0755/0644) is tightened at start, and each change (or a path that could not be tightened)
// is reported so the server can log it. Only the server's start tightens an existing
// directory: opening a database elsewhere (a test, a tool) never changes its directory.
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

/** A path that grants too much and could not be tightened (e.g. owned by another user). */
export interface NotTightened {
  readonly path: string
  readonly was: string
  readonly reason: string
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

/** Creates `directory` (and missing parents) 0700 when absent; an existing one is left as is. */
export const makePrivateDirectory = (directory: string): void => {
  mkdirSync(directory, { recursive: true, mode: privateDirectoryMode })
}

/**
 * Creates `file` empty with mode 0600 when absent, before a library opens it with its own
 * default mode; an existing one is left as is (the server's start tightens it).
 */
export const makePrivateFile = (file: string): void => {
  closeSync(openSync(file, "a", privateFileMode))
}

/**
 * At start: data_dir 0700 (created when missing) and the given files in it 0600 when they
 * exist. Returns what was tightened and what could not be. Example:
 * `secureDataDirectory("/var/lib/xmpp", ["xmpp-amp.sqlite", "xmpp-amp.sqlite-wal"])`.
 */
export const secureDataDirectory = (
  dataDir: string,
  files: ReadonlyArray<string>,
): {
  readonly tightened: ReadonlyArray<Tightened>
  readonly failed: ReadonlyArray<NotTightened>
} => {
  makePrivateDirectory(dataDir)
  const tightened: Array<Tightened> = []
  const failed: Array<NotTightened> = []
  const paths: Array<readonly [string, number]> = [
    [dataDir, privateDirectoryMode],
    ...files.map((file) => [join(dataDir, file), privateFileMode] as const),
  ]
  for (const [path, mode] of paths) {
    try {
      const change = tighten(path, mode)
      if (change !== undefined) tightened.push(change)
    } catch (error) {
      const was = (permissionsOf(path) ?? 0).toString(8)
      failed.push({ path, was, reason: (error as Error).message })
    }
  }
  return { tightened, failed }
}
