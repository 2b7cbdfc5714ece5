// Names a `[modules.NAME]` table may use. Each module validates its own table; the config
// loader only rejects names no module answers to, so a typo is an error, not silence.

/** The modules the reference server and the xmpp-amp server plugin know. */
export const builtinModuleNames: ReadonlyArray<string> = [
  "amp",
  "offline",
  "mam",
  "push",
  "register",
  "stream_management",
  "carbons",
  "csi",
]
