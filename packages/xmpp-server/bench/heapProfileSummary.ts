// Summarises a sampling heap profile written by bench/heapMeter.mjs ($BENCH_HEAP_PROFILE_DIR):
// the bytes allocated by each function (self, collected objects included), largest first, per
// message when given the message count of the window.
//   node --import tsx bench/heapProfileSummary.ts /tmp/heap/window-123-1.heapprofile 20000 [30]
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly selfSize: number
  readonly children: ReadonlyArray<ProfileNode>
}

const [file, messagesText = "1", topText = "30"] = process.argv.slice(2)
if (file === undefined)
  throw new Error("usage: heapProfileSummary.ts <file.heapprofile> [messages] [top]")
const messages = Number(messagesText)
const { head } = JSON.parse(readFileSync(file, "utf8")) as { head: ProfileNode }

const bySite = new Map<string, number>()
let total = 0
const walk = (node: ProfileNode): void => {
  const { functionName, url, lineNumber } = node.callFrame
  const place = url.replace(/^.*\/(packages|node_modules)\//, "$1/")
  const site = `${functionName || "(anonymous)"} ${place}:${lineNumber + 1}`
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
  total += node.selfSize
  for (const child of node.children) walk(child)
}
walk(head)

process.stdout.write(
  `${(total / messages).toFixed(0)} bytes per message in all (${messages} messages)\n`,
)
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(topText)))
  process.stdout.write(
    `${(bytes / messages).toFixed(0).padStart(7)}  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${site}\n`,
  )
