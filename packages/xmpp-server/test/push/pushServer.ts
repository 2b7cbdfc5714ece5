// Shared setup of the push end-to-end tests: a server with XEP-0198 resumption, CSI, a push app
// server component and short push timings, plus raw-socket clients that log in, enable or
// disable push (XEP-0357 §5, §6), go to sleep (drop the TCP socket) and resume.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  builtinModuleNames,
  createUserRecord,
  makeConfig,
  type RunningServer,
  silentLogger,
  startServer,
} from "../../src/index.js"
import { type RawConnection, rawLogin } from "../helpers/rawSocket.js"
import { testStorageConfig } from "../helpers/testStorage.js"
import { NS_SM, rawAuthenticate, smLogin } from "../sm/smRaw.js"
import { type AppServer, startAppServer } from "./appServer.js"

/** The app server's domain in every push test. */
export const APP_SERVER = "push.localhost"

/** A server and its app server. */
export interface PushTestBed {
  readonly server: RunningServer
  readonly c2sPort: number
  readonly dataDir: string
  readonly appServer: AppServer
  stop(): Promise<void>
}

/** Starts a server whose `[modules.push]` is `push`, with users `users` (password = name). */
export const startPushTestBed = async (
  push: Readonly<Record<string, unknown>>,
  users: readonly string[],
  options: {
    readonly resumeTimeout?: number
    readonly ackTimeout?: number
    readonly dataDir?: string
  } = {},
): Promise<PushTestBed> => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "xmpp-amp-push-test-"))
  const config = makeConfig(
    {
      ...(await testStorageConfig(dataDir)),
      server: { shutdown_grace_seconds: 1, data_dir: dataDir },
      listen: {
        c2s: { host: "127.0.0.1", port: 0, tls: "optional", allow_plain_without_tls: true },
        websocket: { enabled: false },
        component: { host: "127.0.0.1", port: 0 },
      },
      components: [{ domain: APP_SERVER, secret: "app-secret" }],
      modules: {
        stream_management: {
          resume_timeout: options.resumeTimeout ?? 30,
          ack_timeout: options.ackTimeout ?? 60,
        },
        push,
      },
    },
    { moduleNames: builtinModuleNames },
  )
  const server = await startServer({ config, logger: silentLogger })
  // Through the repositories, so that the server's account directory knows them (a restart on
  // the same data directory finds them there already: `create` answers false).
  for (const user of users) {
    const created = await server.repositories.accounts.create(createUserRecord(user, user))
    if (created instanceof Error) throw created
  }
  const appServer = await startAppServer(server.ports.component ?? 0, APP_SERVER, "app-secret")
  return {
    server,
    c2sPort: server.ports.c2s ?? 0,
    dataDir,
    appServer,
    stop: async () => {
      await appServer.stop()
      await server.stop()
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

let iqCounter = 0

/** Sends an IQ and resolves with its reply tag once it arrives. */
export const iq = async (connection: RawConnection, payload: string): Promise<string> => {
  iqCounter += 1
  const id = `iq-${iqCounter}`
  connection.send(`<iq type='set' id='${id}'>${payload}</iq>`)
  const pattern = new RegExp(`<iq[^>]*id=["']${id}["'][^>]*>(?:[\\s\\S]*?</iq>)?`)
  const text = await connection.waitFor(pattern)
  return pattern.exec(text)?.[0] ?? ""
}

/** Enables push to the test app server on `node` for the connection's session. */
export const enablePush = async (connection: RawConnection, node: string): Promise<string> =>
  iq(connection, `<enable xmlns='urn:xmpp:push:0' jid='${APP_SERVER}' node='${node}'/>`)

/** Logs in (plain, no stream management), available with priority 0. */
export const online = async (
  bed: PushTestBed,
  user: string,
  resource: string,
): Promise<RawConnection> => {
  const connection = await rawLogin(bed.c2sPort, "localhost", user, user, resource)
  connection.send("<presence/>")
  return connection
}

/** A resumable session that can be put to sleep and woken up. */
export interface Device {
  readonly connection: RawConnection
  readonly smId: string
}

/** Logs in with XEP-0198 resumption and sends initial presence. */
export const device = async (bed: PushTestBed, user: string, resource: string): Promise<Device> => {
  const { connection, id } = await smLogin(bed.c2sPort, user, user, resource)
  connection.send("<presence/>")
  return { connection, smId: id }
}

/** Drops the TCP socket without closing the stream: the session hibernates. */
export const sleep = async (device: Device): Promise<void> => {
  device.connection.destroy()
  await device.connection.closed
  await new Promise((resolve) => setTimeout(resolve, 50))
}

/** Resumes a hibernated session on a new connection. */
export const wake = async (bed: PushTestBed, user: string, device: Device): Promise<Device> => {
  const connection = await tryToWake(bed, user, device)
  await connection.waitFor("<resumed")
  return { connection, smId: device.smId }
}

/** Asks to resume a session; the answer is `<resumed/>` or `<failed/>` on the connection. */
export const tryToWake = async (
  bed: PushTestBed,
  user: string,
  device: Device,
): Promise<RawConnection> => {
  const connection = await rawAuthenticate(bed.c2sPort, user, user)
  connection.send(`<resume xmlns='${NS_SM}' previd='${device.smId}' h='0'/>`)
  await connection.waitFor(/<resumed|<failed/)
  return connection
}

/** Closes a stream cleanly: the session is gone, its registration stays. */
export const logOut = async (connection: RawConnection): Promise<void> => {
  connection.send("</stream:stream>")
  await connection.closed
}

/** A chat message with a body. */
export const chatTo = (to: string, body: string): string =>
  `<message type='chat' to='${to}' id='${body}'><body>${body}</body></message>`

/** Waits `ms` milliseconds (to show that nothing more arrives). */
export const settle = (ms = 250): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
