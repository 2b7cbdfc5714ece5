// Median and spread of one figure over a bench's interleaved rounds, and their text form
// ("12.3 [11.0–14.1]": the median round, then the lowest and highest round).

/** A figure over rounds: the median and the spread. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

/** The median (the mean of the middle two for an even count), lowest and highest of `values`. */
export const spreadOf = (values: ReadonlyArray<number>): Spread => {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN }
  const middle = Math.floor(sorted.length / 2)
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? Number.NaN)
      : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN }
}

/** "median [min–max]" with `digits` decimals and an optional unit suffix (e.g. "x"). */
export const formatSpread = (spread: Spread, digits: number, suffix = ""): string =>
  `${spread.median.toFixed(digits)}${suffix} [${spread.min.toFixed(digits)}–${spread.max.toFixed(digits)}]`

/** Pads cells into aligned columns: the first left-aligned, the others right-aligned. */
export const formatTable = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? "").length)),
  )
  return `${rows
    .map((cells) =>
      cells
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join("  "),
    )
    .join("\n")}\n`
}
