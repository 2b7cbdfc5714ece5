// Before any suite runs, `npm test` makes sure the Debian packages of system-packages.mjs are
// there: as root on a machine with apt-get it installs the missing ones (one `apt-get update`,
// one `apt-get install`, shown as one progress line; the full log only when it fails); anywhere
// else it answers with one line that names them and the command that installs them.
import { spawn, spawnSync } from "node:child_process"
import { accessSync, constants, statSync } from "node:fs"
import { delimiter, join } from "node:path"

/** @typedef {import("./system-packages.mjs").SystemPackage} SystemPackage */
/** @typedef {(command: string, args: readonly string[]) => Promise<{ ok: boolean, log: string }>} RunCommand */

/** Whether an executable called `name` is on PATH. */
export const onPath = (name, path = process.env.PATH ?? "") =>
  path.split(delimiter).some((dir) => {
    if (dir === "") return false
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return statSync(file).isFile()
    } catch {
      return false
    }
  })

/**
 * Whether Debian's python3 can import the module `name`. Debian's `python3-*` packages install
 * for /usr/bin/python3, which the interop tests run; a python3 earlier on PATH (pyenv, a venv)
 * does not see them.
 */
export const pythonCanImport = (name) =>
  spawnSync("/usr/bin/python3", ["-c", `import ${name}`], { stdio: "ignore" }).status === 0

/**
 * Where a package's binary is looked for: PATH, then /usr/sbin and /sbin, where Debian puts
 * daemons such as nats-server and which an unprivileged user's PATH often lacks.
 */
export const binarySearchPath = (path = process.env.PATH ?? "") =>
  [path, "/usr/sbin", "/sbin"].join(delimiter)

/** Whether a system package is installed, by its declared detect. */
export const isInstalled = (systemPackage) =>
  "binary" in systemPackage.detect
    ? onPath(systemPackage.detect.binary, binarySearchPath())
    : pythonCanImport(systemPackage.detect.python)

/** The one line that names the missing packages and the command that installs them. */
export const missingLine = (names, { root }) => {
  const sudo = root ? "" : "sudo "
  return `Missing system packages for the tests: ${names.join(", ")}. Install them with: ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${names.join(" ")}`
}

/** Runs a command, keeping its output; `onLine` sees every output line as it comes. */
export const runQuietly = (command, args, onLine = () => {}) =>
  new Promise((done) => {
    const child = spawn(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let log = ""
    let partial = ""
    const take = (chunk) => {
      log += chunk
      const lines = (partial + chunk).split(/\r?\n|\r/)
      partial = lines.pop() ?? ""
      for (const line of lines) if (line.trim() !== "") onLine(line.trim())
    }
    child.stdout.setEncoding("utf8").on("data", take)
    child.stderr.setEncoding("utf8").on("data", take)
    child.on("error", (error) => done({ ok: false, log: `${log}${error.message}\n` }))
    child.on("close", (code) => done({ ok: code === 0, log }))
  })

/** A progress line rewritten in place on a terminal, printed once elsewhere. */
const progressLine = (stream) => {
  const width = Math.max(20, (stream.columns ?? 100) - 1)
  return {
    show: (text) => {
      if (stream.isTTY) stream.write(`\r\x1b[K${text.slice(0, width)}`)
    },
    end: (text) => stream.write(stream.isTTY ? `\r\x1b[K${text}\n` : `${text}\n`),
  }
}

/**
 * Checks the packages and installs or names the missing ones. Answers `{ ok: true }` when all
 * are there (at last), or `{ ok: false, problem }` with the one line to show.
 * @param {{
 *   packages: readonly SystemPackage[],
 *   installed?: (systemPackage: SystemPackage) => boolean,
 *   root?: boolean,
 *   aptGet?: boolean,
 *   run?: RunCommand,
 *   out?: NodeJS.WriteStream,
 * }} options
 */
export const ensureSystemPackages = async ({
  packages,
  installed = isInstalled,
  root = process.getuid?.() === 0,
  aptGet = onPath("apt-get"),
  run,
  out = process.stdout,
}) => {
  const missing = packages.filter((systemPackage) => !installed(systemPackage)).map((p) => p.name)
  if (missing.length === 0) return { ok: true }
  if (!root || !aptGet) return { ok: false, problem: missingLine(missing, { root }) }
  const progress = progressLine(out)
  const started = Date.now()
  const title = `Installing ${missing.join(", ")} with apt-get`
  progress.show(`${title}…`)
  const runCommand =
    run ??
    ((command, args) => runQuietly(command, args, (line) => progress.show(`${title}: ${line}`)))
  let log = ""
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...missing]]) {
    const result = await runCommand("apt-get", args)
    log += `$ apt-get ${args.join(" ")}\n${result.log}`
    if (!result.ok) {
      progress.end(`${title}: failed. The log:`)
      out.write(log.endsWith("\n") ? log : `${log}\n`)
      return { ok: false, problem: `apt-get ${args[0]} failed. ${missingLine(missing, { root })}` }
    }
  }
  const stillMissing = packages.filter((p) => missing.includes(p.name) && !installed(p))
  if (stillMissing.length > 0) {
    progress.end(`${title}: done, but still not found.`)
    const names = stillMissing.map((p) => p.name).join(", ")
    return { ok: false, problem: `apt-get installed them, but ${names} still cannot be found` }
  }
  progress.end(`${title}: done in ${Math.round((Date.now() - started) / 1000)} s.`)
  return { ok: true }
}
