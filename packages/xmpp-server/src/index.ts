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
export * from "./storage/SqliteStorage.js"
export * from "./storage/Storage.js"
export * from "./tls/certificate.js"
