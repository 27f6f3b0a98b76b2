import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The clone's kube-assets/ (the pinned Go modules), from src/ and dist/ alike. */
export const MODULE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'kube-assets')
