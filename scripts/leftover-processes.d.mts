// Types of leftover-processes.mjs, for the TypeScript tests that look for their own children.

/** A live process: its pid and command line. */
export interface MarkedProcess {
  readonly pid: number
  readonly commandLine: string
}
export declare const runMarkerName: "XMPP_AMP_TEST_RUN"
export declare const newRunMarker: () => string
export declare const canFindLeftovers: () => boolean
export declare const processesWithMarker: (
  marker: string,
  exclude?: readonly number[],
  name?: string,
) => MarkedProcess[]
export declare const stopLeftovers: (
  marker: string,
  options?: { graceMs?: number; exclude?: readonly number[]; name?: string },
) => Promise<MarkedProcess[]>
