// The CPU ratio of `--amp` measured so that it settles on this VM (issue 24): each AMP run is
// short and sits between two AMP-off runs ("sandwich": off, AMP, off, AMP, off, …), and its
// ratio is its CPU per message over the mean of its two neighbours'. On the 2-core VM a plain
// message's CPU drifted from 34.5 to 68.6 µs between the 5 long rounds of one run on an idle
// machine (docs/performance.md), so a round's ratio moved over 0.76–1.96× and the median of
// five did not decide anything. Neighbours seconds apart share the machine's state, and the
// mean of the run before and after cancels a drift that is linear over the sandwich. Many
// short sandwiches then give a median with a distribution-free confidence interval (order
// statistics of the binomial), printed beside the lowest and highest sandwich.
import type { Spread } from "./roundStats.js"

/** One measured run: which load, and its figures per message. */
export interface SandwichRun {
  readonly key: string
  readonly cpuMicrosecondsPerMessage: number
  readonly allocatedBytesPerMessage: number
}

/**
 * The order of the runs: AMP off first and between every two AMP runs, the AMP loads in turn,
 * their order rotated by one each repeat so that no load always follows the same one.
 * Example: `sandwichOrder("plain", ["silent", "notify"], 2)` is
 * plain, silent, plain, notify, plain, notify, plain, silent, plain.
 */
export const sandwichOrder = (
  plain: string,
  others: ReadonlyArray<string>,
  repeats: number,
): ReadonlyArray<string> => {
  const order = [plain]
  for (let repeat = 0; repeat < repeats; repeat++)
    for (let step = 0; step < others.length; step++) {
      const key = others[(repeat + step) % others.length]
      if (key !== undefined) order.push(key, plain)
    }
  return order
}

/**
 * Per AMP load, each of its runs' figure over the mean of the AMP-off runs just before and
 * after it (`figure` picks CPU or heap bytes). Runs without an AMP-off neighbour on both sides
 * are left out.
 */
export const sandwichRatios = (
  runs: ReadonlyArray<SandwichRun>,
  plain: string,
  figure: (run: SandwichRun) => number,
): ReadonlyMap<string, ReadonlyArray<number>> => {
  const ratios = new Map<string, Array<number>>()
  for (let index = 1; index < runs.length - 1; index++) {
    const run = runs[index]
    const before = runs[index - 1]
    const after = runs[index + 1]
    if (run === undefined || before === undefined || after === undefined) continue
    if (run.key === plain || before.key !== plain || after.key !== plain) continue
    const reference = (figure(before) + figure(after)) / 2
    const list = ratios.get(run.key) ?? []
    list.push(figure(run) / reference)
    ratios.set(run.key, list)
  }
  return ratios
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
const binomialAtMost = (n: number, k: number): number => {
  let term = 0.5 ** n // C(n, 0) / 2^n
  let sum = 0
  for (let i = 0; i <= k; i++) {
    sum += term
    term = (term * (n - i)) / (i + 1)
  }
  return sum
}

/** The median of `values`, with a confidence interval for it and its actual coverage. */
export interface MedianInterval extends Spread {
  /** The interval's ends: order statistics of the values, whatever their distribution. */
  readonly low: number
  readonly high: number
  /** The interval's coverage (at least the one asked for; NaN when too few values for it). */
  readonly coverage: number
}

/**
 * The median and a distribution-free interval for it: the k-th lowest and k-th highest values,
 * with k the largest for which the coverage 1 − 2·P(Binomial(n, ½) ≤ k − 1) is still at least
 * `confidence`. Too few values for that (fewer than 6 at 95 %): the interval is NaN.
 * Example: 15 values at 95 %: the 4th lowest and 4th highest (coverage 96.5 %).
 */
export const medianInterval = (
  values: ReadonlyArray<number>,
  confidence = 0.95,
): MedianInterval => {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0)
    return {
      median: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      low: Number.NaN,
      high: Number.NaN,
      coverage: Number.NaN,
    }
  const middle = Math.floor(n / 2)
  const median =
    n % 2 === 1
      ? (sorted[middle] ?? Number.NaN)
      : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
  let k = 0
  while (k + 1 <= middle && 1 - 2 * binomialAtMost(n, k) >= confidence) k += 1
  const coverage = k === 0 ? Number.NaN : 1 - 2 * binomialAtMost(n, k - 1)
  return {
    median,
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    low: k === 0 ? Number.NaN : (sorted[k - 1] ?? Number.NaN),
    high: k === 0 ? Number.NaN : (sorted[n - k] ?? Number.NaN),
    coverage,
  }
}

/** "1.12x [1.05–1.20 at 96 %] (0.98–1.31)": median, its interval, then the extremes. */
export const formatMedianInterval = (
  interval: MedianInterval,
  digits: number,
  suffix = "",
): string => {
  const fixed = (value: number) => value.toFixed(digits)
  const coverage = Number.isNaN(interval.coverage)
    ? "too few for an interval"
    : `${fixed(interval.low)}–${fixed(interval.high)} at ${Math.floor(interval.coverage * 100)} %`
  return `${fixed(interval.median)}${suffix} [${coverage}] (${fixed(interval.min)}–${fixed(interval.max)})`
}
