// The cluster-wide session lookup (src/session/SessionRegistry.ts, spec/cluster.md guarantee
// 1): a full JID is bound once in the cluster, so a bare-JID lookup lists each resource once,
// this node's session first, even while another node's claim on the same resource is stale.
import { describe, expect, it } from "vitest"
import type { Session } from "../../src/session/Session.js"
import { type RemoteSessionView, SessionRegistry } from "../../src/session/SessionRegistry.js"

/** Just what the registry reads of a session. */
const session = (resource: string, node: string): Session =>
  ({
    bare: "juliet@localhost",
    username: "juliet",
    resource,
    full: `juliet@localhost/${resource}`,
    node,
  }) as unknown as Session

const remoteView = (sessions: ReadonlyArray<Session>): RemoteSessionView => ({
  ofBare: () => sessions,
  get: (_bare, resource) => sessions.find((each) => each.resource === resource),
  countOf: () => sessions.length,
})

describe("SessionRegistry in a cluster", () => {
  it("lists a resource bound here once, even when another node still claims it", () => {
    const registry = new SessionRegistry()
    const here = session("phone", "n1")
    registry.add(here)
    const stale = session("phone", "n2")
    const other = session("laptop", "n3")
    registry.attachRemote(remoteView([stale, other]))
    expect(registry.ofBare("juliet@localhost")).toEqual([here, other])
    expect(registry.get("juliet@localhost", "phone")).toBe(here)
  })

  it("lists the other nodes' sessions when none is bound here", () => {
    const registry = new SessionRegistry()
    const other = session("laptop", "n3")
    registry.attachRemote(remoteView([other]))
    expect(registry.ofBare("juliet@localhost")).toEqual([other])
  })
})
