// Public entry point of @xmpp-amp/xmpp-server: the reference XMPP server, its configuration,
// storage and module system.
export type * from "./config/ServerConfig.js"
export * from "./storage/Storage.js"
