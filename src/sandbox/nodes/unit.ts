/**
 * The part of a systemd service unit a local node's supervisor needs to run kforge's rendered
 * units as systemd would: Environment=, EnvironmentFile= (a leading `-` means optional),
 * ExecStart= (an empty assignment resets, as drop-ins use it), Restart= and RestartSec=. Variables
 * expand as systemd expands them in ExecStart: `$VAR` splits into words, `${VAR}` stays one word.
 */
import {readFileSync} from 'node:fs'

export interface ServiceUnit {
  /** `oneshot` runs to its end once per start; anything else is a daemon. */
  type: 'simple' | 'oneshot'
  environment: Record<string, string>
  environmentFiles: {path: string; optional: boolean}[]
  execStart: string | undefined
  restart: 'no' | 'always' | 'on-failure'
  restartSec: number
}

/** Units in systemd's order: the unit file, then its drop-ins; later assignments win. */
export function parseUnits(texts: readonly string[]): ServiceUnit {
  const unit: ServiceUnit = {
    type: 'simple',
    environment: {},
    environmentFiles: [],
    execStart: undefined,
    restart: 'no',
    restartSec: 0.1,
  }
  for (const {section, key, value} of assignments(texts)) {
    if (section !== 'Service') continue
    if (key === 'Type') unit.type = value === 'oneshot' ? 'oneshot' : 'simple'
    else if (key === 'Environment') Object.assign(unit.environment, parseEnvironment(value))
    else if (key === 'EnvironmentFile') {
      const optional = value.startsWith('-')
      unit.environmentFiles.push({path: optional ? value.slice(1) : value, optional})
    } else if (key === 'ExecStart') unit.execStart = value === '' ? undefined : value
    else if (key === 'Restart') unit.restart = value as ServiceUnit['restart']
    else if (key === 'RestartSec') unit.restartSec = Number.parseFloat(value)
  }
  return unit
}

/** Every `Key=value` of the unit texts, in order, with its section. */
function assignments(texts: readonly string[]): {section: string; key: string; value: string}[] {
  const out: {section: string; key: string; value: string}[] = []
  for (const text of texts) {
    let section = ''
    for (const raw of text.split('\n')) {
      const line = raw.trim()
      if (!line || line.startsWith('#') || line.startsWith(';')) continue
      const header = /^\[(.+)\]$/.exec(line)
      if (header) {
        section = header[1]!
        continue
      }
      const eq = line.indexOf('=')
      if (eq > 0) out.push({section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim()})
    }
  }
  return out
}

export interface MountUnit {
  what: string
  where: string
  type: string | undefined
  options: string | undefined
}

/** A `.mount` unit's [Mount] section. */
export function parseMountUnit(texts: readonly string[]): MountUnit | undefined {
  const m: Partial<MountUnit> = {}
  for (const {section, key, value} of assignments(texts)) {
    if (section !== 'Mount') continue
    if (key === 'What') m.what = value
    else if (key === 'Where') m.where = value
    else if (key === 'Type') m.type = value
    else if (key === 'Options') m.options = value
  }
  return m.what && m.where ? {what: m.what, where: m.where, type: m.type, options: m.options} : undefined
}

/** `"A=1 2" B=3` → {A: '1 2', B: '3'} */
function parseEnvironment(value: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const word of splitWords(value)) {
    const eq = word.indexOf('=')
    if (eq > 0) out[word.slice(0, eq)] = word.slice(eq + 1)
  }
  return out
}

/** Shell-like words: double and single quotes group, backslash escapes inside double quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = []
  let current = ''
  let inWord = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"' || c === "'") {
      inWord = true
      for (i++; i < text.length && text[i] !== c; i++) {
        if (c === '"' && text[i] === '\\' && i + 1 < text.length) i++
        current += text[i]
      }
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }
  if (inWord) words.push(current)
  return words
}

/** KEY="value" lines (kubeadm-flags.env, /etc/default/kubelet). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (!t || t.startsWith('#')) continue
    Object.assign(out, parseEnvironment(t))
  }
  return out
}

/** The environment at start time: files are read each time, as systemd reads them on each start. */
export function resolveEnvironment(unit: ServiceUnit): Record<string, string> | undefined {
  const env = {...unit.environment}
  for (const f of unit.environmentFiles) {
    try {
      Object.assign(env, parseEnvironmentFile(readFileSync(f.path, 'utf8')))
    } catch {
      if (!f.optional) return undefined
    }
  }
  return env
}

/** ExecStart's argv with systemd's variable expansion. */
export function commandLine(execStart: string, env: Record<string, string>): string[] {
  const argv: string[] = []
  for (const word of splitWords(execStart)) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word)
    if (whole) {
      argv.push(...splitWords(env[whole[1]!] ?? ''))
      continue
    }
    argv.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? ''))
  }
  return argv
}
