// RFC 6120 §7.6–§7.7: which resource a bind request gets — the requested one if valid, a
// random one when none is asked — and the refusals (`bad-request` for an invalid resource,
// `resource-constraint` past `max_sessions_per_user`). Replacing an online resource is
// allowed: the caller closes the older session with `conflict`.
import { randomBytes } from "node:crypto"
import type { ServerCore } from "../core/ServerCore.js"
import { isValidResource } from "../jid/Jid.js"
import type { XmlElement } from "../xml/Xml.js"

/** The resource to bind, or the stanza error to answer. */
export type BindChoice =
  | { readonly kind: "bind"; readonly resource: string }
  | {
      readonly kind: "refuse"
      readonly condition: "bad-request" | "resource-constraint"
      readonly text: string
    }

/** Decides the resource for `bare` from a `<bind/>` element. */
export const chooseResource = (core: ServerCore, bare: string, bind: XmlElement): BindChoice => {
  const requested = bind.getChildText("resource")?.trim()
  const resource =
    requested === undefined || requested === "" ? randomBytes(9).toString("base64url") : requested
  if (!isValidResource(resource))
    return { kind: "refuse", condition: "bad-request", text: "invalid resource" }
  const replacing = core.sessions.get(bare, resource) !== undefined
  if (!replacing && core.sessions.countOf(bare) >= core.config.server.max_sessions_per_user)
    return { kind: "refuse", condition: "resource-constraint", text: "too many sessions" }
  return { kind: "bind", resource }
}
