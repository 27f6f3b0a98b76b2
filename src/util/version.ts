/** kforge's own version, read once from package.json (used in the AWS user agent). */
import {readFileSync} from 'node:fs'

let cached: string | undefined

export function kforgeVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}
  ).version
  return cached
}
