// The failure of a storage command (`migrate`, `export`, `import`): a message meant to be read
// as it is (it names the database and what failed); the CLI prints it and exits with 1.

/** A storage command failed; `message` is the whole line(s) to print. */
export class StorageCommandError extends Error {
  readonly _tag = "StorageCommandError"
}
