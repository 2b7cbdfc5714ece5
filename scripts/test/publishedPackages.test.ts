// Published packages work as published: every public package is packed with `npm pack`, the
// tarballs are installed together into a fresh project outside the workspace (no workspace
// links), and there every `exports` entry imports with plain node, `npx xmpp-amp-server --help`
// runs, and a consumer file type-checks under `strict` + `nodenext` with @types/node.
import { execFile } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { declarationImports, typesPackageOf } from "./helpers/declarationImports.js"

const run = promisify(execFile)
const root = new URL("../..", import.meta.url).pathname
const tsc = join(root, "node_modules", ".bin", "tsc")

interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly exports?: Record<string, unknown>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest

const publicPackages = ["amp-core", "push-rules", "server-plugin", "client", "xmpp-server"]
  .map((name) => join(root, "packages", name))
  .map((dir) => ({ dir, manifest: readManifest(dir) }))
  .filter(({ manifest }) => manifest.private !== true)

/** Every import specifier a consumer can write, from the packages' `exports` maps. */
const entryPoints = publicPackages.flatMap(({ manifest }) =>
  Object.keys(manifest.exports ?? { ".": null }).map((key) =>
    key === "." ? manifest.name : `${manifest.name}${key.slice(1)}`,
  ),
)

let project = ""

// Under `npm test` the environment carries npm's settings for the workspace (npm_config_local_prefix
// names its root): without them, npm here works on the package or project it runs in.
const npmEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)),
)
/** Runs npm or npx in `cwd`, outside any npm settings inherited from the workspace. */
const npm = (command: "npm" | "npx", args: readonly string[], cwd: string) =>
  run(command, args, { cwd, env: npmEnvironment })

/** better-sqlite3's native build: taken from the workspace when it is the same version. */
const provideSqliteBuild = async () => {
  const installed = join(project, "node_modules", "better-sqlite3")
  const workspace = join(root, "node_modules", "better-sqlite3")
  const sameVersion = readManifest(installed).version === readManifest(workspace).version
  if (sameVersion && existsSync(join(workspace, "build", "Release", "better_sqlite3.node"))) {
    cpSync(join(workspace, "build"), join(installed, "build"), { recursive: true })
  } else {
    await npm("npm", ["rebuild", "better-sqlite3", "--allow-scripts=better-sqlite3"], project)
  }
}

beforeAll(async () => {
  // The packages' dist is what gets packed: build it first (a no-op when it is up to date).
  await run(tsc, ["-b", ...publicPackages.map(({ dir }) => dir)], { cwd: root })
  project = mkdtempSync(join(tmpdir(), "xmpp-amp-published-"))
  const tarballs = join(project, "tarballs")
  mkdirSync(tarballs)
  for (const { dir } of publicPackages) {
    await npm("npm", ["pack", "--silent", "--pack-destination", tarballs], dir)
  }
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  )
  const files = publicPackages.map(
    ({ manifest }) =>
      `./tarballs/${manifest.name.replace("@", "").replace("/", "-")}-${manifest.version}.tgz`,
  )
  // Install scripts stay off (better-sqlite3's native build is provided below): a compile from
  // source would take minutes and tells nothing about our packages.
  await npm(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      ...files,
      "@types/node@20",
    ],
    project,
  )
  await provideSqliteBuild()
}, 240_000)

afterAll(() => {
  if (project !== "") rmSync(project, { recursive: true, force: true })
})

describe("the published packages' type declarations", () => {
  it("import only declared dependencies, with their @types packages", () => {
    const undeclared = publicPackages.flatMap(({ dir, manifest }) => {
      const declared = { ...manifest.dependencies, ...manifest.peerDependencies }
      return declarationImports(dir, manifest.exports ?? {})
        .filter((name) => name !== manifest.name)
        .flatMap((name) => {
          const typesPackage = typesPackageOf(name)
          const typed = existsSync(join(root, "node_modules", typesPackage))
          return typed ? [name, typesPackage] : [name]
        })
        .filter((name) => !(name in declared))
        .map((name) => `${manifest.name} needs ${name}`)
    })
    expect(undeclared).toEqual([])
  })
})

describe("the published packages, installed from their tarballs", () => {
  it("are real copies, not links into the workspace", () => {
    expect(entryPoints).toContain("@xmpp-amp/server-plugin/test")
    const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as {
      packages: Record<string, { link?: boolean; resolved?: string }>
    }
    for (const { manifest } of publicPackages) {
      const entry = lock.packages[`node_modules/${manifest.name}`]
      expect(entry?.link, manifest.name).toBeUndefined()
      expect(entry?.resolved, manifest.name).toMatch(/^file:tarballs\//)
    }
  })

  it("import from every exports entry with plain node", async () => {
    const script = `
      const failures = []
      for (const specifier of ${JSON.stringify(entryPoints)}) {
        try {
          const module = await import(specifier)
          if (Object.keys(module).length === 0) failures.push(specifier + ": exports nothing")
        } catch (error) {
          failures.push(specifier + ": " + error.message)
        }
      }
      console.log(JSON.stringify(failures))
    `
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: project,
    })
    expect(JSON.parse(stdout)).toEqual([])
  })

  it("run `npx xmpp-amp-server --help`", async () => {
    const { stdout } = await npm("npx", ["--no-install", "xmpp-amp-server", "--help"], project)
    expect(stdout).toContain("Usage: xmpp-amp-server <command> [options]")
  })

  // Without skipLibCheck every declaration file is checked, Effect's included: 30-80 s, by load.
  it("type-check in a strict nodenext consumer with @types/node", {
    timeout: 200_000,
  }, async () => {
    const imports = entryPoints.map(
      (specifier, index) => `import * as entry${index} from "${specifier}"`,
    )
    writeFileSync(
      join(project, "consumer.ts"),
      [
        ...imports,
        `const entries: readonly object[] = [${entryPoints.map((_, index) => `entry${index}`).join(", ")}]`,
        "console.log(entries.length)",
        "",
      ].join("\n"),
    )
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          types: ["node"],
          noEmit: true,
        },
        files: ["consumer.ts"],
      }),
    )
    const result = await run(tsc, ["-p", "tsconfig.json"], { cwd: project }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    )
    expect(result).toBe("")
  })
})
