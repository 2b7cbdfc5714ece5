// The packages that a published package's type declarations import, found by following its
// `exports` types entries through their relative imports: a consumer's type-check needs each of
// them installed, so each must be a dependency (with its @types package, if types come from one).
import { existsSync, readFileSync } from "node:fs"
import { isBuiltin } from "node:module"
import { dirname, join } from "node:path"

// `import … from "x"`, `export … from "x"`, `import "x"` statements and `import("x")` types.
const specifiers = [
  /^\s*(?:import|export)\b[^"';]*?\bfrom\s*"([^"]+)"/gm,
  /\bimport\s*\(?\s*"([^"]+)"/g,
]

/** `./x.js` in a .d.ts means `./x.d.ts` (or `./x/index.d.ts`). */
const declarationFile = (from: string, specifier: string): string | undefined => {
  const base = join(dirname(from), specifier.replace(/\.js$/, ""))
  return [`${base}.d.ts`, join(base, "index.d.ts")].find((file) => existsSync(file))
}

/** The package a bare specifier names: `effect/Effect` is `effect`, `@xmpp/xml` itself. */
const packageOf = (specifier: string): string =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/")

/** The types entries of an `exports` map, as files in `packageDir`. */
const typesEntries = (packageDir: string, exports: Record<string, unknown>): string[] =>
  Object.values(exports).flatMap((conditions) => {
    const types = (conditions as { types?: unknown } | null)?.types
    return typeof types === "string" ? [join(packageDir, types)] : []
  })

/** Every non-builtin package imported by the declarations reachable from the exports map. */
export const declarationImports = (
  packageDir: string,
  exports: Record<string, unknown>,
): string[] => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const queue = typesEntries(packageDir, exports)
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file) || !existsSync(file)) continue
    seen.add(file)
    const text = readFileSync(file, "utf8")
    for (const [, specifier = ""] of specifiers.flatMap((pattern) => [...text.matchAll(pattern)])) {
      if (specifier.startsWith(".")) {
        const next = declarationFile(file, specifier)
        if (next !== undefined) queue.push(next)
      } else if (!isBuiltin(specifier)) packages.add(packageOf(specifier))
    }
  }
  return [...packages].sort()
}

/** The DefinitelyTyped name of a package: `@xmpp/xml` is `@types/xmpp__xml`. */
export const typesPackageOf = (name: string): string =>
  `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`
