// Starts a real server for one test file: loopback, ephemeral ports, a fresh temporary
// data_dir, quiet logs; `stop()` shuts it down and removes the directory. The WebSocket
// listener trusts 127.0.0.1 as a TLS proxy (as deployed: README "WebSocket behind a TLS
// proxy"), so test WebSockets that send `tlsProxyHeaders` count as TLS under `tls = "required"`.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  builtinModuleNames,
  type ConfigInput,
  createUserRecord,
  type Logger,
  makeConfig,
  type RunningServer,
  type ServerModule,
  silentLogger,
  startServer,
} from "../../src/index.js"
import { testStorageConfig } from "./testStorage.js"

/** A started test server and its helpers. */
export interface TestServer {
  readonly server: RunningServer
  readonly domain: string
  readonly c2sPort: number
  readonly websocketUrl: string
  readonly dataDir: string
  /**
   * Creates an account through the server's account repository (so on either backend);
   * rejects when storage fails. Example: `await test.addUser("alice", "secret")`.
   */
  addUser(username: string, password: string): Promise<void>
  stop(): Promise<void>
}

/** What a TLS proxy in front of the WebSocket listener adds to the upgrade request. */
export const tlsProxyHeaders: Readonly<Record<string, string>> = { "X-Forwarded-Proto": "https" }

/** Options for `startTestServer`. */
export interface TestServerOptions {
  readonly config?: ConfigInput
  readonly modules?: ReadonlyArray<ServerModule>
  /** Defaults to a logger that writes nothing. */
  readonly logger?: Logger
}

/**
 * Starts the server on 127.0.0.1 with port 0 for every listener, in `dataDir` (kept: start
 * again on the same directory to test a restart). `stop()` stops it and leaves the directory.
 */
export const startTestServerIn = async (
  dataDir: string,
  options: TestServerOptions = {},
): Promise<TestServer> => {
  const input = options.config ?? {}
  const moduleNames = [
    ...builtinModuleNames,
    ...(options.modules ?? []).map((module) => module.name),
  ]
  const config = makeConfig(
    {
      ...(await testStorageConfig(dataDir)),
      ...input,
      server: { shutdown_grace_seconds: 1, ...input.server, data_dir: dataDir },
      listen: {
        ...input.listen,
        c2s: { host: "127.0.0.1", port: 0, ...input.listen?.c2s },
        websocket: {
          host: "127.0.0.1",
          port: 0,
          trusted_proxies: ["127.0.0.1"],
          ...input.listen?.websocket,
        },
      },
    },
    { moduleNames },
  )
  const server = await startServer({
    config,
    logger: options.logger ?? silentLogger,
    modules: options.modules ?? [],
  })
  return {
    server,
    domain: server.domain,
    c2sPort: server.ports.c2s ?? 0,
    websocketUrl: `ws://127.0.0.1:${server.ports.websocket ?? 0}${config.listen.websocket?.path ?? "/xmpp-websocket"}`,
    dataDir,
    addUser: accountAdder(server),
    stop: () => server.stop(),
  }
}

/**
 * `TestServer.addUser` for a server started some other way: creates the account through the
 * account repository, rejecting when storage fails. Example: `addUser: accountAdder(server)`.
 */
export const accountAdder =
  (server: Pick<RunningServer, "repositories">) =>
  async (username: string, password: string): Promise<void> => {
    const created = await server.repositories.accounts.create(createUserRecord(username, password))
    if (created instanceof Error) throw created
  }

/** Starts the server as `startTestServerIn` does, in a fresh directory removed at `stop()`. */
export const startTestServer = async (options: TestServerOptions = {}): Promise<TestServer> => {
  const dataDir = mkdtempSync(join(tmpdir(), "xmpp-amp-test-"))
  const test = await startTestServerIn(dataDir, options)
  return {
    ...test,
    stop: async () => {
      await test.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
