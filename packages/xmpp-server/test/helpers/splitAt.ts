/** Splits `text` at the given cut points (each taken modulo its length + 1), dropping empty pieces. */
export const splitAt = (text: string, cuts: ReadonlyArray<number>): Array<string> => {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<string> = []
  let previous = 0
  for (const point of points) {
    chunks.push(text.slice(previous, point))
    previous = point
  }
  chunks.push(text.slice(previous))
  return chunks.filter((chunk) => chunk !== "")
}
