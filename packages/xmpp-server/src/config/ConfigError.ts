// The error every configuration problem becomes (spec/server.md "Running it": "validated at
// start with a clear message naming the bad key"): the file, the dotted key and the reason.

/** A configuration problem, e.g. `listen.c2s.tls: expected "required" | "optional" | "off", got "yes"`. */
export class ConfigError extends Error {
  readonly _tag = "ConfigError"
  constructor(
    /** The dotted key, e.g. `listen.c2s.port` or `components[0].secret`; "" for the whole file. */
    readonly key: string,
    readonly reason: string,
    /** The file the configuration came from, when there is one. */
    readonly source: string | undefined,
  ) {
    const where = source === undefined ? "" : `${source}: `
    super(key === "" ? `${where}${reason}` : `${where}${key}: ${reason}`)
  }
}
