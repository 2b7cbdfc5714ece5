// Several cluster nodes inside the test process (spec/cluster.md): each a real server with its
// own listeners and data_dir, all on one fresh PostgreSQL database of the run's private
// PostgreSQL and one private nats-server. For guarantees that need a node to die by SIGKILL,
// test/helpers/clusterBed.ts starts nodes as processes instead. Raw XMPP logins on a node
// (`login`, `smLogin`), @xmpp/client logins (`client`) and other connections handed to `track`
// are closed by `stop()`.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ConfigInput, Logger, ServerModule } from "../../src/index.js"
import { login as clientLogin } from "../offline/clients.js"
import { rawAuthenticate, smLogin } from "../sm/smRaw.js"
import { type PrivateNats, startNats } from "./natsServer.js"
import { type RawConnection, rawLogin } from "./rawSocket.js"
import { startTestServerIn, type TestServer } from "./testServer.js"
import { freshPostgresDatabase } from "./testStorage.js"
import type { TestClient } from "./xmppClient.js"

/** Nodes of one cluster, started in this process. */
export interface LocalCluster {
  readonly nats: PrivateNats
  readonly nodes: ReadonlyArray<TestServer>
  /** Node `index` (0 is n1); throws when there is none. */
  node(index: number): TestServer
  /** Starts one more node (named after the count, n3 after n2), joining the running ones. */
  addNode(): Promise<TestServer>
  /**
   * Logs `user` in on node `index` over a raw stream (PLAIN, no TLS: the config must allow
   * it) and binds `resource`. Example: `const alice = await cluster.login(0, "alice", "home")`.
   */
  login(index: number, user: string, resource: string, password?: string): Promise<RawConnection>
  /** `login`, then XEP-0198 with resumption enabled; with its resumption id. */
  smLogin(
    index: number,
    user: string,
    resource: string,
    password?: string,
  ): Promise<{ readonly connection: RawConnection; readonly id: string }>
  /**
   * Logs `user` (password `${user}-pass`) in on node `index` with @xmpp/client; with
   * `priority`, available. Example: `const bob = await cluster.client(1, "bob", "phone", 0)`.
   */
  client(index: number, user: string, resource: string, priority?: number): Promise<TestClient>
  /** Authenticates `user` on node `index` without binding a resource (to resume a session). */
  authenticate(index: number, user: string, password?: string): Promise<RawConnection>
  /** Closes `connection` at `stop()`; returns it. */
  track(connection: RawConnection): RawConnection
  /** Stops the clients, closes the tracked connections, stops every node, then NATS, and removes the data directories. */
  stop(): Promise<void>
}

/** The password `login` uses when none is given. */
const passwordOf = (user: string): string => `${user}-pass`

/** Options of `startLocalCluster`. */
export interface LocalClusterOptions {
  readonly nodes: number
  readonly config?: ConfigInput
  readonly logger?: (node: string) => Logger
  /** Extra modules of each node (by node name), e.g. a recorder of module hooks. */
  readonly modules?: (node: string) => ReadonlyArray<ServerModule>
}

/** Starts `nodes` nodes named n1, n2, … sharing a fresh database and a private NATS. */
export const startLocalCluster = async (options: LocalClusterOptions): Promise<LocalCluster> => {
  const nats = await startNats()
  const url = await freshPostgresDatabase()
  const nodes: Array<TestServer> = []
  const directories: Array<string> = []
  const open: Array<RawConnection> = []
  const clients: Array<TestClient> = []
  const track = (connection: RawConnection): RawConnection => {
    open.push(connection)
    return connection
  }
  const node = (index: number): TestServer => {
    const server = nodes[index]
    if (server === undefined) throw new Error(`no node ${index}`)
    return server
  }
  const stop = async (): Promise<void> => {
    await Promise.allSettled(clients.map((client) => client.stop()))
    for (const connection of open) connection.destroy()
    await Promise.allSettled(nodes.map((node) => node.stop()))
    await nats.remove()
    for (const directory of directories) rmSync(directory, { recursive: true, force: true })
  }
  const addNode = async (): Promise<TestServer> => {
    const name = `n${nodes.length + 1}`
    const directory = mkdtempSync(join(tmpdir(), `xmpp-amp-${name}-`))
    directories.push(directory)
    const input = options.config ?? {}
    const node = await startTestServerIn(directory, {
      config: {
        ...input,
        storage: { backend: "postgres", url },
        cluster: { enabled: true, node: name, nats: [nats.url] },
      },
      ...(options.logger === undefined ? {} : { logger: options.logger(name) }),
      ...(options.modules === undefined ? {} : { modules: options.modules(name) }),
    })
    nodes.push(node)
    return node
  }
  try {
    for (let index = 1; index <= options.nodes; index++) await addNode()
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nats,
    nodes,
    node,
    addNode,
    login: async (index, user, resource, password = passwordOf(user)) =>
      track(await rawLogin(node(index).c2sPort, "localhost", user, password, resource)),
    smLogin: async (index, user, resource, password = passwordOf(user)) => {
      const session = await smLogin(node(index).c2sPort, user, password, resource)
      track(session.connection)
      return session
    },
    client: async (index, user, resource, priority) => {
      const client = await clientLogin(node(index), user, resource, priority)
      clients.push(client)
      return client
    },
    authenticate: async (index, user, password = passwordOf(user)) =>
      track(await rawAuthenticate(node(index).c2sPort, user, password)),
    track,
    stop,
  }
}
