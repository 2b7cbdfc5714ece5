// Checks that package-lock.json lists every optional dependency of every package in it: the
// platform binaries of biome, turbo, esbuild, rollup... for macOS, Windows and Linux (glibc and
// musl) alike. An npm that installs on one platform may write a lockfile with only that
// platform's binaries, and `npm ci` then refuses it everywhere ("Missing: ... from lock file").

/** Where Node would find `name` from the package installed at `location` (a lockfile key). */
const candidates = function* (location, name) {
  let base = location
  while (true) {
    yield base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`
    if (base === "") return
    const nested = base.lastIndexOf("/node_modules/")
    base = nested < 0 ? "" : base.slice(0, nested)
  }
}

/**
 * The optional dependencies that have no entry in the lockfile, as `{ from, name, range }`
 * (`from` is the lockfile key of the package that declares it).
 * @param {{ packages?: Record<string, { optionalDependencies?: Record<string, string> }> }} lockfile
 */
export const missingOptionalPackages = (lockfile) => {
  const packages = lockfile.packages ?? {}
  const missing = []
  for (const [from, entry] of Object.entries(packages)) {
    for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
      const found = [...candidates(from, name)].some((location) => location in packages)
      if (!found) missing.push({ from: from === "" ? "(root)" : from, name, range })
    }
  }
  return missing
}
