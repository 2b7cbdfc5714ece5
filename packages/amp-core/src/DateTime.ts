// XEP-0082 DateTime in UTC, as XEP-0079 §3.3.2 requires for `expire-at`:
// `CCYY-MM-DDThh:mm:ss[.sss]` followed by `Z`, `+00:00` or `-00:00`, calendar checked.

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]00:00)$/

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/** Parses a UTC DateTime to epoch milliseconds, or `undefined` when it is not valid UTC. */
export const parseUtcDateTime = (text: string): number | undefined => {
  const match = DATE_TIME.exec(text)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(`0${match[7]}`) * 1000)
  const instant = new Date(0)
  instant.setUTCFullYear(year, month - 1, day)
  instant.setUTCHours(hour, minute, second, fraction)
  return instant.getTime()
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
