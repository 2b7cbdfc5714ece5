// The failure of a storage command (`migrate`, `export`, `import`): a message meant to be read
// as it is (it names the database and what failed); the CLI prints it and exits with 1.

/** A storage command failed; `message` is the whole line(s) to print. */
export class StorageCommandError extends Error {
  readonly _tag = "StorageCommandError"
}

/**
 * A backend's failure message without the location it repeats (the command names the database
 * itself) and without a doubled operation prefix. Example: "open: connect ECONNREFUSED 127.0.0.1:5432".
 */
export const causeOf = (message: string, location: string): string =>
  message.replaceAll(`${location}: `, "").replace(/^([\w. ]+: )\1+/u, "$1")
