// Public entry point of @xmpp-amp/xmpp-server: the reference XMPP server, its configuration,
// storage and module system.

export * from "./auth/accounts.js"
export {
  checkPassword,
  createUserRecord,
  defaultIterations,
  deriveScramCredentials,
  InvalidUsernameError,
  normalizeUsername,
  SaslPrepError,
  type ScramHash,
  saslPrep,
} from "./auth/credentials.js"
export * from "./config/loadConfig.js"
export type * from "./config/ServerConfig.js"
export { bareOf, type Jid, parseJid } from "./jid/Jid.js"
export { ListenError } from "./listeners/Listeners.js"
export * from "./log/Logger.js"
export { builtinModules } from "./modules/builtinModules.js"
export { ModuleOptionError } from "./modules/moduleOptions.js"
export type * from "./modules/ServerModule.js"
export type * from "./routing/MessageStores.js"
export type * from "./routing/RouteDecision.js"
export { errorElement, errorReply, iqResult } from "./routing/StanzaError.js"
export * from "./Server.js"
export type * from "./session/Session.js"
export type { HeldBackReason, StreamHooks } from "./sm/SmHooks.js"
export { SINGLE_NODE, smNodeOf } from "./sm/SmNode.js"
export {
  type DeadNodeRecovery,
  type RecoveryCounts,
  recoverDeadNode,
} from "./sm/SmRecovery.js"
export type { SmSettings } from "./sm/SmSettings.js"
export * from "./storage/SqliteStorage.js"
export * from "./storage/Storage.js"
export * from "./stream/Namespaces.js"
export * from "./tls/certificate.js"
export { type XmlElement, xml } from "./xml/Xml.js"
