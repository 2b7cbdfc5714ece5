// Helpers of the AMP (XEP-0079) end-to-end tests: AMP messages and rules as a client writes
// them, subscriptions seeded in the roster, waiting for the AMP reply with a given id.
import { expect } from "vitest"
import { type RosterItem, type XmlElement, xml } from "../../src/index.js"
import { startTestServer, type TestServer } from "../helpers/testServer.js"
import type { TestClient } from "../helpers/xmppClient.js"
import { login, pause, roundTrip } from "../offline/clients.js"
import type { Answer, Session, Storage } from "./oracle.js"

/** XEP-0079 namespaces. */
export const NS_AMP = "http://jabber.org/protocol/amp"
export const NS_AMP_ERRORS = "http://jabber.org/protocol/amp#errors"
export const NS_AMP_FEATURE = "http://jabber.org/features/amp"
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

/** One `<rule/>` as a sender writes it. */
export interface Rule {
  readonly condition: string
  readonly value: string
  readonly action: string
}

/** `<rule condition value action/>`. */
export const rule = (condition: string, value: string, action: string): Rule => ({
  condition,
  value,
  action,
})

/** A chat message with a body and an `<amp/>` carrying `rules`. */
export const ampMessage = (
  to: string,
  id: string,
  rules: ReadonlyArray<Rule>,
  body = `body of ${id}`,
): XmlElement =>
  xml(
    "message",
    { to, id, type: "chat" },
    xml("body", {}, body),
    xml(
      "amp",
      { xmlns: NS_AMP },
      ...rules.map((r) =>
        xml("rule", { condition: r.condition, value: r.value, action: r.action }),
      ),
    ),
  )

/**
 * Stores `item` in `owner`'s roster through the server's rosters (so a cached roster sees it)
 * and resolves once it is committed; rejects when the write failed.
 */
const putItem = (server: TestServer, owner: string, item: RosterItem): Promise<void> =>
  new Promise((resolve, reject) =>
    server.server.rosters.write(owner, { kind: "put", item }, (outcome) =>
      outcome.ok ? resolve() : reject(outcome.error),
    ),
  )

/** Makes `a` and `b` (usernames) subscribed both ways in the stored rosters. */
export const befriend = async (server: TestServer, a: string, b: string): Promise<void> => {
  const item = (contact: string): RosterItem => ({
    jid: `${contact}@${server.domain}`,
    name: undefined,
    subscription: "both",
    ask_out: false,
    pending_in: undefined,
    groups: [],
  })
  await putItem(server, a, item(b))
  await putItem(server, b, item(a))
}

/** Puts `contact` in `owner`'s stored roster with `subscription` (one direction only). */
export const subscribe = (
  server: TestServer,
  owner: string,
  contact: string,
  subscription: "from" | "to",
): Promise<void> =>
  putItem(server, owner, {
    jid: `${contact}@${server.domain}`,
    name: undefined,
    subscription,
    ask_out: false,
    pending_in: undefined,
    groups: [],
  })

/** The AMP reply (or error) with this id that reached `client`. */
export const replyTo = (client: TestClient, id: string, timeoutMs = 3000): Promise<XmlElement> =>
  client.waitFor(
    (stanza) =>
      stanza.is("message") &&
      stanza.attrs.id === id &&
      stanza.attrs.from === client.jid.split("@")[1]?.split("/")[0],
    timeoutMs,
  )

/** Every stanza with this id that reached `client` so far. */
export const withId = (client: TestClient, id: string): Array<XmlElement> =>
  client.received.filter((stanza) => stanza.attrs.id === id)

/** The `<amp/>` of a reply: its status, from, to and the rules it lists. */
export const ampOf = (stanza: XmlElement) => {
  const amp = stanza.getChild("amp", NS_AMP)
  return {
    status: amp?.attrs.status,
    from: amp?.attrs.from,
    to: amp?.attrs.to,
    rules: (amp?.getChildren("rule") ?? []).map((r) =>
      rule(r.attrs.condition ?? "", r.attrs.value ?? "", r.attrs.action ?? ""),
    ),
  }
}

/** The error of an error reply: type, code, defined condition, and AMP container rules. */
export const errorOf = (stanza: XmlElement) => {
  const error = stanza.getChild("error")
  const elements = error?.getChildElements() ?? []
  const condition = elements.find((child) => child.attrs.xmlns === NS_STANZAS)
  const container = elements.find((child) => child.attrs.xmlns === NS_AMP_ERRORS)
  return {
    type: error?.attrs.type,
    code: error?.attrs.code,
    condition: condition?.name,
    container: container?.name,
    rules: (container?.getChildren("rule") ?? []).map((r) =>
      rule(r.attrs.condition ?? "", r.attrs.value ?? "", r.attrs.action ?? ""),
    ),
  }
}

/** What a reply to an AMP message is: an AMP notify/alert, an AMP error, a refusal, a bounce. */
export type ReplyKind =
  | { readonly kind: "amp"; readonly status: "notify" | "alert" }
  | { readonly kind: "amp-error"; readonly condition: "undefined-condition" }
  | { readonly kind: "refused"; readonly condition: "not-acceptable" }
  | { readonly kind: "bounce"; readonly condition: string; readonly type: string | undefined }
  | { readonly kind: "other"; readonly text: string }

/** Classifies a stanza the sender got for an AMP message (spec/amp.md §5 and the bounces of §4). */
export const replyKindOf = (stanza: XmlElement): ReplyKind => {
  const amp = stanza.getChild("amp", NS_AMP)
  const error = stanza.getChild("error")
  const condition = error?.getChildElements().find((child) => child.attrs.xmlns === NS_STANZAS)
  if (stanza.attrs.type === "error" && amp !== undefined) {
    if (condition?.name === "undefined-condition")
      return { kind: "amp-error", condition: "undefined-condition" }
    if (condition?.name === "not-acceptable")
      return { kind: "refused", condition: "not-acceptable" }
  }
  if (stanza.attrs.type === "error" && amp === undefined && condition !== undefined)
    return { kind: "bounce", condition: condition.name, type: error?.attrs.type }
  const status = amp?.attrs.status
  if (stanza.attrs.type !== "error" && (status === "notify" || status === "alert"))
    return { kind: "amp", status }
  return { kind: "other", text: stanza.toString() }
}

/** The `<error/>` of an AMP error reply: type, code, condition, container (name and namespace), rules. */
export const ampErrorOf = (stanza: XmlElement) => {
  const error = stanza.getChild("error")
  const children = error?.getChildElements() ?? []
  const container = children.find((child) => child.attrs.xmlns !== NS_STANZAS)
  return {
    type: error?.attrs.type,
    code: error?.attrs.code,
    condition: children.find((child) => child.attrs.xmlns === NS_STANZAS)?.name,
    container: container && `${container.name} ${container.attrs.xmlns}`,
    rules: (container?.getChildren("rule") ?? []).map((r) =>
      rule(r.attrs.condition ?? "", r.attrs.value ?? "", r.attrs.action ?? ""),
    ),
  }
}

/** Resolves once `client` got `count` stanzas with this id, or quietly after `timeoutMs`. */
export const settled = (
  client: TestClient,
  id: string,
  count: number,
  timeoutMs: number,
): Promise<void> => {
  if (count === 0) return Promise.resolve()
  let seen = 0
  return client
    .waitFor((stanza) => stanza.attrs.id === id && ++seen >= count, timeoutMs)
    .then(() => undefined)
    .catch(() => undefined)
}

/** Ids of the messages in `client`'s own archive (XEP-0313 query without filters, up to 250). */
export const archivedIds = async (client: TestClient, queryid: string): Promise<Array<string>> => {
  await client.iq(
    xml(
      "iq",
      { type: "set" },
      xml(
        "query",
        { xmlns: "urn:xmpp:mam:2", queryid },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "FORM_TYPE" }, xml("value", {}, "urn:xmpp:mam:2")),
        ),
        xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("max", {}, "250")),
      ),
    ),
  )
  return client.received
    .filter((stanza) => stanza.getChild("result", "urn:xmpp:mam:2")?.attrs.queryid === queryid)
    .map(
      (stanza) =>
        stanza.getChild("result")?.getChild("forwarded")?.getChild("message")?.attrs.id ?? "",
    )
}

/** The clients of a matrix batch: alice sends, the recipients' sessions listen. */
export interface MatrixClients {
  readonly alice: TestClient
  readonly sessions: ReadonlyMap<Session, TestClient>
}

/** A server of the end-to-end matrix and its clients. */
export interface MatrixServer extends MatrixClients {
  /** Ids in `username`'s archive, read by a new session that sends no presence. */
  archiveOf(username: string): Promise<ReadonlySet<string>>
  /** Logs `username` in again with priority 0 (offline messages are delivered then). */
  comeBack(username: string): Promise<TestClient>
  stop(): Promise<void>
}

/** Ids in `username`'s archive, read by a new session that sends no presence (no offline flush). */
export const archiveOf = async (
  server: TestServer,
  username: string,
): Promise<ReadonlySet<string>> => {
  const reader = await login(server, username, "archive-reader")
  try {
    return new Set(await archivedIds(reader, `archive-of-${username}`))
  } finally {
    await reader.stop()
  }
}

/**
 * Starts a server with `storage` and opens the sessions the matrix's recipients have: bob
 * (one resource), carol (two), eve (not sharing presence with alice), frank (priority -1),
 * greg (his roster has alice with subscription `from`), hank (`to`: alice may not see his
 * presence); dave is an offline friend of alice's.
 */
export const startMatrixServer = async (storage: Storage): Promise<MatrixServer> => {
  const server = await startTestServer({
    config: {
      modules: {
        offline: { enabled: storage.offline },
        mam: { enabled: storage.mam },
        amp: { expiry_check_ms: 50 },
      },
      ...(storage.failing ? { testing: { faults: { offline_write: true, mam_write: true } } } : {}),
    },
  })
  for (const user of ["alice", "bob", "carol", "dave", "eve", "frank", "greg", "hank"])
    await server.addUser(user, `${user}-pass`)
  for (const friend of ["bob", "carol", "dave", "frank"]) await befriend(server, "alice", friend)
  await subscribe(server, "greg", "alice", "from")
  await subscribe(server, "hank", "alice", "to")
  const alice = await login(server, "alice", "desk", 0)
  const sessions = new Map<Session, TestClient>([
    ["bob", await login(server, "bob", "phone", 0)],
    ["carolA", await login(server, "carol", "a", 0)],
    ["carolB", await login(server, "carol", "b", 0)],
    ["eve", await login(server, "eve", "tab", 0)],
    ["frank", await login(server, "frank", "background", -1)],
    ["greg", await login(server, "greg", "desk", 0)],
    ["hank", await login(server, "hank", "desk", 0)],
  ])
  const returned: Array<TestClient> = []
  return {
    alice,
    sessions,
    archiveOf: (username) => archiveOf(server, username),
    comeBack: async (username) => {
      const client = await login(server, username, "back", 0)
      returned.push(client)
      return client
    },
    stop: async () => {
      await Promise.all([alice, ...sessions.values(), ...returned].map((client) => client.stop()))
      await server.stop()
    },
  }
}

/** One message of a matrix batch and how many stanzas it should bring, and to whom. */
export interface BatchEntry {
  readonly id: string
  readonly to: string
  readonly rules: ReadonlyArray<Rule>
  readonly replies: number
  readonly receivers: ReadonlyArray<Session>
  /** The message body; `body of {id}` unless set. */
  readonly body?: string
}

/**
 * Sends every entry from alice at once, waits until each has brought what it should (or
 * `timeoutMs`), then gives anything unexpected a moment to arrive as well.
 */
export const sendBatch = async (
  matrix: MatrixClients,
  entries: ReadonlyArray<BatchEntry>,
  timeoutMs = 15_000,
): Promise<void> => {
  const { alice, sessions } = matrix
  for (const entry of entries)
    await alice.send(ampMessage(entry.to, entry.id, entry.rules, entry.body))
  await Promise.all(
    entries.flatMap((entry) => [
      settled(alice, entry.id, entry.replies, timeoutMs),
      ...entry.receivers.map((name) => {
        const client = sessions.get(name)
        return client === undefined ? Promise.resolve() : settled(client, entry.id, 1, timeoutMs)
      }),
    ]),
  )
  await Promise.all([alice, ...sessions.values()].map((client) => roundTrip(client)))
  await pause(300)
}

/**
 * Checks what one message of a batch brought, against spec/amp.md §5: the sender's replies in
 * order (kind and echoed rules; AMP replies from the domain to alice's full JID with the
 * original `from`/`to` and no body, bounces from the recipient), and which sessions got the
 * message, once each, without `<amp/>`.
 */
export const expectOnTheWire = (
  matrix: MatrixClients,
  sent: { readonly id: string; readonly to: string },
  answers: ReadonlyArray<Answer>,
  receivers: ReadonlyArray<Session>,
): void => {
  const { alice, sessions } = matrix
  const replies = withId(alice, sent.id)
  expect(
    replies.map((reply) => ({ reply: replyKindOf(reply), rules: ampOf(reply).rules })),
  ).toEqual(answers)
  for (const reply of replies) {
    expect(reply.attrs.to).toBe(alice.jid)
    expect(reply.getChild("body")).toBeUndefined()
    const { kind } = replyKindOf(reply)
    if (kind === "bounce") {
      expect(reply.attrs.from).toBe(sent.to)
      continue
    }
    expect(reply.attrs.from).toBe(alice.jid.split("@")[1]?.split("/")[0])
    const amp = ampOf(reply)
    expect([amp.from, amp.to]).toEqual([alice.jid, sent.to])
    if (kind === "amp") continue
    expect(amp.status).toBe("error")
    expect(ampErrorOf(reply)).toEqual(
      kind === "amp-error"
        ? {
            type: "modify",
            code: "500",
            condition: "undefined-condition",
            container: `failed-rules ${NS_AMP_ERRORS}`,
            rules: amp.rules,
          }
        : {
            type: "modify",
            code: "406",
            condition: "not-acceptable",
            container: `invalid-rules ${NS_AMP}`,
            rules: amp.rules,
          },
    )
  }
  for (const [name, client] of sessions) {
    const copies = withId(client, sent.id)
    expect(copies.length, name).toBe(receivers.includes(name) ? 1 : 0)
    for (const copy of copies) {
      expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
      expect(copy.getChildText("body")).toBe(`body of ${sent.id}`)
    }
  }
}

/**
 * How many messages `username`'s archive holds (an RSM count with `max` 0, so no archived
 * message is sent: one carrying a socket-write marker would break the reader's session).
 */
export const archiveCountOf = async (server: TestServer, username: string): Promise<number> => {
  const reader = await login(server, username, "archive-counter")
  try {
    const result = await reader.iq(
      xml(
        "iq",
        { type: "set" },
        xml(
          "query",
          { xmlns: "urn:xmpp:mam:2" },
          xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("max", {}, "0")),
        ),
      ),
    )
    return Number(
      result.getChild("fin", "urn:xmpp:mam:2")?.getChild("set")?.getChildText("count") ?? NaN,
    )
  } finally {
    await reader.stop()
  }
}

/** The archives of the recipients of a batch, by username; empty when MAM is off. */
export type Archives = ReadonlyMap<string, ReadonlySet<string>>

/** Reads the archive of every username once (`archiveOf`), when `mam` is on. */
export const readArchives = async (
  read: (username: string) => Promise<ReadonlySet<string>>,
  usernames: ReadonlyArray<string>,
  mam: boolean,
): Promise<Archives> =>
  mam
    ? new Map(await Promise.all(usernames.map(async (name) => [name, await read(name)] as const)))
    : new Map()

/** Checks whether the archive of the account `to` names holds message `id` (MAM on only). */
export const expectArchived = (archives: Archives, to: string, id: string, kept: boolean) => {
  const archive = archives.get(to.split("@")[0] ?? "")
  if (archive === undefined) return
  expect(archive.has(id), `${id} in the archive of ${to}`).toBe(kept)
}

/** The sessions of offline recipients who came back, by username. */
export type Returned = ReadonlyMap<string, TestClient>

/**
 * Logs the offline recipients `usernames` in again (when offline storage is on) and waits
 * until each got the messages expected from storage (`kept` ids), then a moment more.
 */
export const comeBackAll = async (
  matrix: MatrixServer,
  usernames: ReadonlyArray<string>,
  kept: ReadonlyArray<{ readonly id: string; readonly to: string }>,
  offline: boolean,
): Promise<Returned> => {
  if (!offline) return new Map()
  const returned = new Map<string, TestClient>()
  for (const name of usernames) returned.set(name, await matrix.comeBack(name))
  await Promise.all(
    kept.map(({ id, to }) => {
      const client = returned.get(to.split("@")[0] ?? "")
      return client === undefined ? Promise.resolve() : settled(client, id, 1, 10_000)
    }),
  )
  await Promise.all([...returned.values()].map((client) => roundTrip(client)))
  await pause(200)
  return returned
}

/** Checks that the account `to` names got message `id` at login exactly when it was stored. */
export const expectDeliveredAtLogin = (
  returned: Returned,
  to: string,
  id: string,
  stored: boolean,
) => {
  const client = returned.get(to.split("@")[0] ?? "")
  if (client === undefined) return
  const copies = withId(client, id)
  expect(copies.length, `${id} delivered to ${to} at login`).toBe(stored ? 1 : 0)
  for (const copy of copies) expect(copy.getChild("amp", NS_AMP)).toBeUndefined()
}
