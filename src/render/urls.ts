/**
 * Instances fetch files over HTTPS. An `s3://bucket/key` location becomes the bucket's regional
 * HTTPS URL plus the region its requests are signed for (SigV4, the instance role); any other
 * URL is fetched unsigned (region `-` in the boot scripts).
 */
import {KforgeError} from '../util/errors.js'

export interface FetchTarget {
  url: string
  /** SigV4 region for S3, or `-` for an unsigned fetch. */
  region: string
}

export interface S3Location {
  bucket: string
  /** Key prefix without leading or trailing `/` (may be empty). */
  key: string
}

export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url)
  if (!m) return undefined
  return {bucket: m[1]!, key: m[2]!.replace(/^\/+|\/+$/g, '')}
}

/** `s3://b/k` under `prefix/rest` (joining with `/`). */
export function s3Join(location: string, ...parts: string[]): string {
  const loc = parseS3Url(location)
  if (!loc) throw new KforgeError(`"${location}" is not an s3://bucket/prefix location`)
  const key = [loc.key, ...parts].filter((p) => p !== '').join('/')
  return `s3://${loc.bucket}/${key}`
}

function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/')
}

/** Where an instance fetches `url` from, and how it signs the request. */
export function fetchTarget(url: string, region: string, what: string): FetchTarget {
  const s3 = parseS3Url(url)
  if (s3) {
    if (s3.key === '') throw new KforgeError(`${what}: "${url}" names a bucket but no object`)
    // Virtual-hosted style, except for bucket names with dots (the TLS wildcard does not cover them).
    const base = s3.bucket.includes('.')
      ? `https://s3.${region}.amazonaws.com/${s3.bucket}`
      : `https://${s3.bucket}.s3.${region}.amazonaws.com`
    return {url: `${base}/${encodeKey(s3.key)}`, region}
  }
  if (!/^https?:\/\/[^\s'"]+$/.test(url)) {
    throw new KforgeError(`${what}: "${url}" is not an s3:// or http(s):// URL`)
  }
  return {url, region: '-'}
}

/** A mirror artifact's URL: `baseUrl` joined with its relative path. */
export function mirrorUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
