// RFC 6120 §4.3.2: the `<stream:features/>` the server offers at each stage: STARTTLS and
// SASL mechanisms before authentication, resource binding (and the optional legacy session,
// RFC 6121 errata) after it, plus whatever modules contribute.
import type { ServerCore } from "../core/ServerCore.js"
import type { SaslMechanism } from "../sasl/SaslMechanism.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { NS_BIND, NS_SASL, NS_SESSION, NS_STREAM, NS_TLS } from "./Namespaces.js"
import type { Transport } from "./Transport.js"

/** True when the TLS policy forbids authenticating on this (unencrypted TCP) transport. */
export const tlsMissing = (core: ServerCore, transport: Transport): boolean =>
  !transport.secure && transport.framing === "stream" && core.config.listen.c2s?.tls === "required"

/** SASL mechanisms offered on this transport, strongest first. */
export const offeredMechanisms = (
  core: ServerCore,
  transport: Transport,
  all: ReadonlyArray<SaslMechanism>,
): ReadonlyArray<SaslMechanism> => {
  if (tlsMissing(core, transport)) return []
  const c2s = core.config.listen.c2s
  const plainAllowed =
    transport.secure || (c2s?.tls !== "required" && c2s?.allow_plain_without_tls === true)
  return all.filter((mechanism) => mechanism.name !== "PLAIN" || plainAllowed)
}

/** The features element for the current stage. */
export const streamFeatures = (
  core: ServerCore,
  transport: Transport,
  authenticated: boolean,
  mechanisms: ReadonlyArray<SaslMechanism>,
): XmlElement => {
  const stage = { authenticated, secure: transport.secure }
  const children: Array<XmlElement> = []
  if (!authenticated) {
    if (transport.canStartTls && core.config.listen.c2s?.tls !== "off")
      children.push(
        xml(
          "starttls",
          { xmlns: NS_TLS },
          tlsMissing(core, transport) ? xml("required") : undefined,
        ),
      )
    const offered = offeredMechanisms(core, transport, mechanisms)
    if (offered.length > 0)
      children.push(
        xml(
          "mechanisms",
          { xmlns: NS_SASL },
          offered.map((mechanism) => xml("mechanism", {}, mechanism.name)),
        ),
      )
  } else {
    children.push(
      xml("bind", { xmlns: NS_BIND }),
      xml("session", { xmlns: NS_SESSION }, xml("optional")),
    )
  }
  children.push(...core.modules.streamFeatures(stage))
  return xml("stream:features", { "xmlns:stream": NS_STREAM }, children)
}
