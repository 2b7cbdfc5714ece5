// Runs the slixmpp interop client (Debian's python3-slixmpp, /usr/bin/python3) and parses
// the JSON it prints. Fails loudly when the interpreter or the library is missing.
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { onTestFinished } from "vitest"

const python = "/usr/bin/python3"
const script = fileURLToPath(new URL("../interop/slixmpp_client.py", import.meta.url))

/** What the script reports. */
export interface SlixmppResult {
  readonly authenticated: boolean
  readonly bound_jid: string | null
  readonly failure: string | null
  readonly messages: ReadonlyArray<{
    readonly from: string
    readonly body: string
    readonly type: string
  }>
  /** Every presence received (`type` is slixmpp's: "available", "unavailable", "subscribe", …). */
  readonly presences: ReadonlyArray<{ readonly from: string; readonly type: string }>
  /** Contact JID → subscription, fetched just before disconnecting (when `roster`). */
  readonly roster: Readonly<Record<string, string>> | null
}

/** The script's options (see test/interop/slixmpp_client.py). */
export interface SlixmppOptions {
  readonly host: string
  readonly port: number
  readonly jid: string
  readonly password: string
  readonly mechanism?: string
  readonly send?: ReadonlyArray<{ readonly to: string; readonly body: string }>
  readonly expect_messages?: number
  readonly roster?: boolean
  readonly priority?: number
  readonly timeout?: number
}

/** Runs one slixmpp session. */
export const runSlixmpp = (options: SlixmppOptions): Promise<SlixmppResult> => {
  if (!existsSync(python)) throw new Error(`${python} is missing: install Debian's python3-slixmpp`)
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [script, JSON.stringify(options)],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`slixmpp failed: ${error.message}\n${stderr}`))
        const line = stdout.trim().split("\n").pop() ?? ""
        try {
          resolve(JSON.parse(line) as SlixmppResult)
        } catch {
          reject(new Error(`slixmpp printed no JSON: ${stdout}\n${stderr}`))
        }
      },
    )
    // Killed once the test is over, passed, failed or timed out: no interpreter left behind.
    onTestFinished(() => {
      child.kill("SIGKILL")
    })
  })
}
