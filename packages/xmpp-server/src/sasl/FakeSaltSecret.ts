// The secret behind the fake SCRAM salt of unknown users (Scram.ts): HMAC(secret, username)
// must give the same salt after a restart, as a real account's stored salt does, or comparing
// the salts before and after a restart tells which accounts exist. The secret is 32 random
// bytes in `data_dir/scram-fake-salt.secret`, created owner-only (0600) on first use.
import { randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { ServerCore } from "../core/ServerCore.js"

const secretBytes = 32

/** The secret file's name inside data_dir. */
export const fakeSaltSecretFile = "scram-fake-salt.secret"

/**
 * Reads the secret from `dataDir`, creating it (mode 0600) when missing. Throws an error
 * naming the file when it cannot be read or written, or does not hold 32 bytes.
 * Example: `loadFakeSaltSecret("/var/lib/xmpp-amp")`.
 */
export const loadFakeSaltSecret = (dataDir: string): Buffer => {
  const path = join(dataDir, fakeSaltSecretFile)
  let secret: Buffer
  try {
    secret = readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new Error(
        `${path}: cannot read the SCRAM fake-salt secret: ${(error as Error).message}`,
      )
    const created = randomBytes(secretBytes)
    try {
      writeFileSync(path, created, { mode: 0o600, flag: "wx" })
      return created
    } catch (writeError) {
      // Another process (or a second server on this data_dir) made it first: use theirs.
      if ((writeError as NodeJS.ErrnoException).code !== "EEXIST")
        throw new Error(
          `${path}: cannot create the SCRAM fake-salt secret: ${(writeError as Error).message}`,
        )
      secret = readFileSync(path)
    }
  }
  if (secret.length !== secretBytes)
    throw new Error(
      `${path}: the SCRAM fake-salt secret must be ${secretBytes} bytes, found ${secret.length}; delete the file to make a new one`,
    )
  return secret
}

const byCore = new WeakMap<ServerCore, Buffer>()

/** The secret of one running server, read (or made) on first use. */
export const fakeSaltSecretOf = (core: ServerCore): Buffer => {
  let secret = byCore.get(core)
  if (secret === undefined) {
    secret = loadFakeSaltSecret(core.config.server.data_dir)
    byCore.set(core, secret)
  }
  return secret
}
