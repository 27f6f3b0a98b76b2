/**
 * Loads and compiles the handlebars templates under cloud-init/ once per process, in a private
 * handlebars environment holding only kforge's helpers. Templates compile in strict mode: a name
 * the view does not provide is an error, never an empty string in a boot script.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import Handlebars from 'handlebars'
import {shellWord, yamlBlock, yamlScalar} from './helpers.js'

/** cloud-init/ at the package root, from src/render (tests) and dist/render (the CLI) alike. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../cloud-init/', import.meta.url))

type Template = (view: object) => string

let env: typeof Handlebars | undefined
const compiled = new Map<string, Template>()

function environment(): typeof Handlebars {
  if (env) return env
  const hb = Handlebars.create()
  hb.registerHelper('yaml', (value: unknown) => yamlScalar(value))
  hb.registerHelper('block', (text: string, indent: number) => yamlBlock(text, indent))
  hb.registerHelper('sh', (value: unknown) => shellWord(value))
  const partials = join(TEMPLATE_DIR, 'partials')
  for (const file of readdirSync(partials).sort()) {
    if (!file.endsWith('.hbs')) continue
    hb.registerPartial(file.split('.')[0]!, readFileSync(join(partials, file), 'utf8'))
  }
  env = hb
  return hb
}

/** Render `cloud-init/<name>.hbs` with `view`. */
export function renderTemplate(name: string, view: object): string {
  let template = compiled.get(name)
  if (!template) {
    const source = readFileSync(join(TEMPLATE_DIR, `${name}.hbs`), 'utf8')
    template = environment().compile(source, {noEscape: true, strict: true})
    compiled.set(name, template)
  }
  return template(view)
}
