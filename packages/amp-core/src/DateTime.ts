// XEP-0082 DateTime in UTC, as XEP-0079 §3.3.2 requires for `expire-at`:
// `CCYY-MM-DDThh:mm:ss[.sss]` followed by `Z`, `+00:00` or `-00:00`, calendar checked.

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const shifted = month <= 2 ? year - 1 : year
  const era = Math.floor(shifted / 400)
  const yearOfEra = shifted - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

const DAY = 86_400_000

/** The number written by `length` ASCII digits at `offset`, or -1 if any is not a digit. */
const digits = (text: string, offset: number, length: number): number => {
  let value = 0
  for (let position = offset; position < offset + length; position++) {
    const code = text.charCodeAt(position) - 48
    if (!(code >= 0 && code <= 9)) return -1
    value = value * 10 + code
  }
  return value
}

/** Milliseconds of a fraction `.sss…` starting at `offset` (any number of digits, truncated). */
const fractionEnd = (text: string, offset: number): number => {
  let position = offset + 1
  while (position < text.length && digits(text, position, 1) >= 0) position++
  return position
}

/** True when the separators of `CCYY-MM-DDThh:mm:ss` are where they belong. */
const separatorsInPlace = (text: string): boolean =>
  text[4] === "-" && text[7] === "-" && text[10] === "T" && text[13] === ":" && text[16] === ":"

/** Parses a UTC DateTime to epoch milliseconds, or `undefined` when it is not valid UTC. */
export const parseUtcDateTime = (text: string): number | undefined => {
  if (text.length < 20) return undefined
  if (!separatorsInPlace(text)) return undefined
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  const second = digits(text, 17, 2)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined
  }
  let zoneStart = 19
  let milliseconds = 0
  if (text[19] === ".") {
    zoneStart = fractionEnd(text, 19)
    if (zoneStart === 20) return undefined
    const written = text.slice(20, Math.min(zoneStart, 23)).padEnd(3, "0")
    milliseconds = digits(written, 0, 3)
  }
  const zoneLength = text.length - zoneStart
  const utc =
    zoneLength === 1
      ? text[zoneStart] === "Z"
      : zoneLength === 6 && (text.endsWith("+00:00") || text.endsWith("-00:00"))
  if (!utc) return undefined
  return (
    daysFromCivil(year, month, day) * DAY +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    milliseconds
  )
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0")

/** Formats epoch milliseconds as a XEP-0082 UTC DateTime (`…Z`, milliseconds when not zero). */
export const formatUtcDateTime = (epochMilliseconds: number): string => {
  const instant = new Date(epochMilliseconds)
  const date = `${pad(instant.getUTCFullYear(), 4)}-${pad(instant.getUTCMonth() + 1, 2)}-${pad(instant.getUTCDate(), 2)}`
  const time = `${pad(instant.getUTCHours(), 2)}:${pad(instant.getUTCMinutes(), 2)}:${pad(instant.getUTCSeconds(), 2)}`
  const milliseconds = instant.getUTCMilliseconds()
  return `${date}T${time}${milliseconds === 0 ? "" : `.${pad(milliseconds, 3)}`}Z`
}
