// `xmpp-amp-server export --config FILE [--output FILE]` (issue 22 item 4): the configured
// database as JSON lines (src/storage/dumpLines.ts), to standard output or to a file. A file
// is written beside its final name and renamed only when the whole dump is in it, so a failed
// export leaves no partial file behind.
import { once } from "node:events"
import { createWriteStream, openSync, renameSync, rmSync } from "node:fs"
import type { Writable } from "node:stream"
import type { ServerConfig } from "../../config/ServerConfig.js"
import { dumpHeader } from "../dumpLines.js"
import { countRecords, type DumpRecord, describeCounts } from "../repositories/DumpRepository.js"
import { failed } from "../repositories/Outcome.js"
import { openConfiguredDump } from "./openDump.js"
import { StorageCommandError } from "./StorageCommandError.js"

/** Lines buffered before one write. */
const chunkBytes = 65_536

const writeAll = async (stream: Writable, text: string): Promise<void> => {
  if (!stream.write(text)) await once(stream, "drain")
}

const finish = (stream: Writable): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.once("error", reject)
    stream.end(resolve)
  })

/**
 * Writes the dump to `output` (a path) or standard output; answers the summary line (the
 * caller prints it to stderr when the dump went to stdout). Throws `StorageCommandError`.
 */
export const exportCommand = async (
  config: ServerConfig,
  output: string | undefined,
): Promise<string> => {
  const temporary = output === undefined ? undefined : `${output}.partial-${process.pid}`
  let fd: number | undefined
  try {
    if (temporary !== undefined) fd = openSync(temporary, "w", 0o600)
  } catch (error) {
    throw new StorageCommandError(
      `cannot write ${output}: ${error instanceof Error ? error.message : error}`,
    )
  }
  const opened = await openConfiguredDump(config).catch((error: unknown) => {
    if (temporary !== undefined) rmSync(temporary, { force: true })
    throw error
  })
  const stream: Writable = fd === undefined ? process.stdout : createWriteStream("", { fd })
  const exported: Array<DumpRecord> = []
  try {
    let chunk = `${JSON.stringify(dumpHeader(config.storage.backend))}\n`
    for await (const record of opened.dump.exportAll()) {
      if (failed(record))
        throw new StorageCommandError(`export of ${opened.name} failed: ${record.message}`)
      exported.push({ type: record.type } as DumpRecord)
      chunk += `${JSON.stringify(record)}\n`
      if (chunk.length >= chunkBytes) {
        await writeAll(stream, chunk)
        chunk = ""
      }
    }
    await writeAll(stream, chunk)
    if (temporary !== undefined && output !== undefined) {
      await finish(stream)
      renameSync(temporary, output)
    }
  } catch (error) {
    if (temporary !== undefined) {
      stream.destroy()
      rmSync(temporary, { force: true })
    }
    if (error instanceof StorageCommandError) throw error
    throw new StorageCommandError(
      `export of ${opened.name} failed: ${error instanceof Error ? error.message : error}`,
    )
  } finally {
    await opened.close()
  }
  const counts = countRecords(exported)
  return `exported ${describeCounts(counts)} from ${opened.name}${output === undefined ? "" : ` to ${output}`}`
}
