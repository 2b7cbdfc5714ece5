// `xmpp-amp-server import --config FILE [--input FILE|-]` (issue 22 item 4): reads a dump
// (src/storage/dumpLines.ts) into an EMPTY database of the configured backend. Every line is
// checked before the database is opened (mistakes name their line); a database that is not
// empty is refused untouched; the rows go in in one transaction, so it is all or nothing.
import { readFileSync } from "node:fs"
import type { ServerConfig } from "../../config/ServerConfig.js"
import { parseDump } from "../dumpLines.js"
import { describeCounts } from "../repositories/DumpRepository.js"
import { failed } from "../repositories/Outcome.js"
import { openConfiguredDump } from "./openDump.js"
import { StorageCommandError } from "./StorageCommandError.js"

/** Imports `input` (a path, or "-" / undefined for standard input); answers the summary line. */
export const importCommand = async (
  config: ServerConfig,
  input: string | undefined,
): Promise<string> => {
  const source = input === undefined || input === "-" ? "standard input" : input
  let text: string
  try {
    text = readFileSync(input === undefined || input === "-" ? 0 : input, "utf8")
  } catch (error) {
    throw new StorageCommandError(
      `cannot read ${source}: ${error instanceof Error ? error.message : error}`,
    )
  }
  const parsed = parseDump(text)
  if (!parsed.ok)
    throw new StorageCommandError(
      `${source} is not a valid dump, nothing was imported:\n${parsed.errors.map((error) => `  ${source}: ${error}`).join("\n")}`,
    )
  const opened = await openConfiguredDump(config)
  try {
    const counts = await opened.dump.counts()
    if (failed(counts))
      throw new StorageCommandError(`cannot read ${opened.name}: ${counts.message}`)
    if (Object.values(counts).some((count) => count > 0))
      throw new StorageCommandError(
        `${opened.name} is not empty (${describeCounts(counts)}); import only fills an empty database, nothing was changed`,
      )
    const imported = await opened.dump.importAll(parsed.records)
    if (failed(imported))
      throw new StorageCommandError(
        `import into ${opened.name} failed, nothing was imported: ${imported.message}`,
      )
    return `imported ${describeCounts(imported)} into ${opened.name}`
  } finally {
    await opened.close()
  }
}
