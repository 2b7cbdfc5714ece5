// Makes sure the peer servers are installed: Debian's `prosody` and `ejabberd` packages,
// installed with apt-get when missing (the benchmark runs as root in CI containers), and
// reports the installed versions for the results table.
import { execFileSync } from "node:child_process"

/** The installed version of a Debian package, or undefined when it is not installed. */
export const installedVersion = (name: string): string | undefined => {
  try {
    // dpkg-query's own format placeholders, not a template string.
    const format = ["-f=$", "{Status} $", "{Version}"].join("")
    const status = execFileSync("dpkg-query", ["-W", format, name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    })
    const match = /install ok installed (\S+)/.exec(status)
    return match?.[1]
  } catch {
    // dpkg-query exits 1 for an unknown package.
    return undefined
  }
}

/** Installs the packages not yet installed (apt-get, non-interactive); returns all versions. */
export const ensureInstalled = (
  names: ReadonlyArray<string>,
  log: (line: string) => void,
): Record<string, string> => {
  const missing = names.filter((name) => installedVersion(name) === undefined)
  if (missing.length > 0) {
    log(`installing ${missing.join(", ")} with apt-get …`)
    const environment = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env: environment })
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
      stdio: "inherit",
      env: environment,
    })
    // The packages start system services on ports 5222 and up; the benchmark uses its own.
    for (const name of missing) {
      try {
        execFileSync("service", [name, "stop"], { stdio: "ignore" })
      } catch {
        // No init system in a container: nothing was started.
      }
    }
  }
  return Object.fromEntries(names.map((name) => [name, installedVersion(name) ?? "missing"]))
}
