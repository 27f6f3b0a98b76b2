#!/usr/bin/env node
// The architecture's walls, checked on every `npm run lint` (the TypeScript compiler's parser, no
// other tool): oclif ends at the CLI edge, the environment is read only there and in the sandbox,
// no import runs from a lower layer up to a higher one, and src has no import circle.
// Prints each breach with its file and exits 1; prints nothing and exits 0 when the walls hold.
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

// The repository to check: this one, or the directory given (the checker's own tests).
const root = process.argv[2]
  ? resolve(process.argv[2])
  : resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

/** Where the CLI edge is: oclif and process.env are allowed here and nowhere else. */
const EDGE = ['cli', 'commands']
/**
 * Also allowed to read the environment: the sandbox (test and demo harness), the demo program, and
 * the node agent's entry point (a program of its own on the instance).
 */
const ENV_READERS = [...EDGE, 'sandbox', 'demo', 'assets/agent']
/** Never import oclif (the issue's wall): workflows and the cloud model are plain functions and data. */
const NO_OCLIF = ['phases', 'cloud', 'lifecycle', 'specs', 'kube', 'render', 'state', 'api', 'util']

/**
 * Layers, lowest first. A file may import from its own layer and the ones below, never above.
 * The first matching prefix names a file's layer.
 */
const LAYERS = [
  ['util'],
  ['api'],
  ['pki', 'bootstrap', 'kubeadm'],
  ['kube', 'render', 'cloud', 'assets', 'state'],
  ['specs', 'lifecycle', 'phases'],
  ['cli'],
  // The node agent (assets/agent) is a program of its own, bundled from its entry point.
  ['commands', 'demo', 'sandbox', 'assets/agent'],
]

function files(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

const under = (rel, prefixes) => prefixes.some((p) => rel === p || rel.startsWith(`${p}/`))

/** The layer of the longest prefix that names the file (`assets/agent` before `assets`). */
function layerOf(rel) {
  let best
  let length = -1
  LAYERS.forEach((names, i) => {
    for (const n of names)
      if (under(rel, [n]) && n.length > length) {
        best = i
        length = n.length
      }
  })
  return best
}

/** Every module specifier a file imports (static, re-export, dynamic), with whether it is type-only. */
function scan(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const imports = []
  let readsEnv = false
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({spec: node.moduleSpecifier.text, typeOnly: Boolean(node.importClause?.isTypeOnly)})
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      imports.push({spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly})
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      imports.push({spec: node.arguments[0].text, typeOnly: false})
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      imports.push({spec: node.argument.literal.text, typeOnly: true})
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'process' &&
      node.name.text === 'env'
    ) {
      readsEnv = true
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return {imports, readsEnv}
}

const problems = []
const graph = new Map()
for (const file of files(src)) {
  const rel = relative(src, file).split('\\').join('/')
  const {imports, readsEnv} = scan(file)
  if (readsEnv && !under(rel, ENV_READERS))
    problems.push(`src/${rel}: reads process.env (only ${ENV_READERS.join(', ')} may; pass the value down)`)
  const edges = []
  for (const {spec} of imports) {
    if ((spec === '@oclif/core' || spec.startsWith('@oclif/')) && under(rel, NO_OCLIF))
      problems.push(`src/${rel}: imports ${spec} (oclif ends at src/cli and src/commands)`)
    if (!spec.startsWith('.')) continue
    const target = relative(src, resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      .split('\\')
      .join('/')
    edges.push(target)
    const from = layerOf(rel)
    const to = layerOf(target)
    if (from !== undefined && to !== undefined && to > from)
      problems.push(`src/${rel}: imports src/${target}, a layer above it (${LAYERS[to].join('/')})`)
  }
  graph.set(rel, edges)
}

// Import circles: Tarjan's strongly connected components; any component of two or more files
// (or a file importing itself) is a circle. Type-only imports count too: a circle of types is
// still two modules that cannot be understood one without the other.
let index = 0
const stack = []
const state = new Map()
const circles = []
function strongConnect(v) {
  state.set(v, {index, low: index, onStack: true})
  index++
  stack.push(v)
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue
    if (!state.has(w)) {
      strongConnect(w)
      state.get(v).low = Math.min(state.get(v).low, state.get(w).low)
    } else if (state.get(w).onStack) {
      state.get(v).low = Math.min(state.get(v).low, state.get(w).index)
    }
  }
  if (state.get(v).low === state.get(v).index) {
    const component = []
    let w
    do {
      w = stack.pop()
      state.get(w).onStack = false
      component.push(w)
    } while (w !== v)
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(component.sort())
  }
}
for (const v of [...graph.keys()].sort()) if (!state.has(v)) strongConnect(v)
for (const c of circles) problems.push(`import circle: ${c.map((f) => `src/${f}`).join(' <-> ')}`)

if (problems.length > 0) {
  for (const p of problems.sort()) console.error(p)
  console.error(`\n${problems.length} architecture problem(s)`)
  process.exit(1)
}
