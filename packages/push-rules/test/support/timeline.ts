// Test support: drives the push reducer through a timeline of host events, the way the server
// plugin will, and collects the decisions so that tests read like the story they replay.
import type { Element } from "@xmpp/xml"
import {
  createPushState,
  type PushDecision,
  type PushEvent,
  type PushOrder,
  type PushSettings,
  type PushState,
  reducePush,
  type StoredRegistration,
} from "../../src/index.js"
import { parseXml } from "./xml.js"

/** The pushes among `decisions`. */
export const pushesIn = (decisions: readonly PushDecision[]): PushOrder[] =>
  decisions.filter((decision): decision is PushOrder => decision.type === "push")

/** A running timeline: the state and every decision so far. */
export interface Timeline {
  /** The latest state. */
  state: PushState
  /** Every decision so far, in order. */
  readonly decisions: PushDecision[]
  /** Feeds `event` at time `now`; returns that step's decisions. */
  at(now: number, event: PushEvent): readonly PushDecision[]
  /** Every push so far. */
  pushes(): PushOrder[]
}

/** A fresh timeline with `settings` and restored `registrations`. */
export const timeline = (
  settings: Partial<PushSettings> = {},
  registrations: readonly StoredRegistration[] = [],
): Timeline => {
  const run: Timeline = {
    state: createPushState(settings, registrations),
    decisions: [],
    at(now, event) {
      const step = reducePush(run.state, event, now)
      run.state = step.state
      run.decisions.push(...step.decisions)
      return step.decisions
    },
    pushes: () => pushesIn(run.decisions),
  }
  return run
}

/** `<iq type='set'><enable jid=… node=…/></iq>` as a client sends it. */
export const enableIq = (service: string, node: string, id = "enable-1"): Element =>
  parseXml(
    `<iq type='set' id='${id}'><enable xmlns='urn:xmpp:push:0' jid='${service}' node='${node}'/></iq>`,
  )

/** `<iq type='set'><disable jid=… [node=…]/></iq>` as a client sends it. */
export const disableIq = (service: string, node?: string, id = "disable-1"): Element =>
  parseXml(
    `<iq type='set' id='${id}'><disable xmlns='urn:xmpp:push:0' jid='${service}'${node === undefined ? "" : ` node='${node}'`}/></iq>`,
  )

/** Opens session `session` for `jid` and enables push on it for `service`/`node`. */
export const openWithPush = (
  run: Timeline,
  now: number,
  session: string,
  jid: string,
  service: string,
  node: string,
): void => {
  run.at(now, { type: "session-opened", session, jid })
  run.at(now, { type: "enable-requested", session, user: jid, iq: enableIq(service, node) })
}
