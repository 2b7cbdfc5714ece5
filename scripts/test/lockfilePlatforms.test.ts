// `npm test` fails when package-lock.json lacks a platform's optional package again
// (scripts/lockfile-platforms.mjs), so that `npm ci` keeps accepting it on every platform.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { missingOptionalPackages } from "../lockfile-platforms.mjs"

const lockfile = (packages: Record<string, object>) => ({ lockfileVersion: 3, packages })

describe("missingOptionalPackages", () => {
  it("finds nothing missing in the repository's lockfile", () => {
    const root = new URL("../../package-lock.json", import.meta.url)
    expect(missingOptionalPackages(JSON.parse(readFileSync(root, "utf8")))).toEqual([])
  })

  it("names an optional binary that only one platform's install kept", () => {
    const gaps = missingOptionalPackages(
      lockfile({
        "": { devDependencies: { turbo: "^2" } },
        "node_modules/turbo": {
          version: "2.0.0",
          optionalDependencies: { "@turbo/linux-64": "2.0.0", "@turbo/darwin-arm64": "2.0.0" },
        },
        "node_modules/@turbo/linux-64": { version: "2.0.0", optional: true },
      }),
    )
    expect(gaps).toEqual([
      { from: "node_modules/turbo", name: "@turbo/darwin-arm64", range: "2.0.0" },
    ])
  })

  it("finds an optional package nested under its dependent, or hoisted from a workspace", () => {
    const gaps = missingOptionalPackages(
      lockfile({
        "": { optionalDependencies: { fsevents: "^2" } },
        "node_modules/fsevents": { version: "2.3.3", optional: true },
        "packages/app": { optionalDependencies: { "@esbuild/win32-x64": "0.1.0" } },
        "node_modules/vite/node_modules/esbuild": {
          optionalDependencies: { "@esbuild/win32-x64": "0.2.0" },
        },
        "node_modules/vite/node_modules/@esbuild/win32-x64": { version: "0.2.0" },
        "node_modules/@esbuild/win32-x64": { version: "0.1.0" },
      }),
    )
    expect(gaps).toEqual([])
  })
})
