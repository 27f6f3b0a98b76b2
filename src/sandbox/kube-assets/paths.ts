import {join} from 'node:path'
import {packageRoot} from '../dist-path.js'

/** The clone's kube-assets/ (the pinned Go modules), from src/ and dist/ alike. */
export const MODULE_ROOT = join(packageRoot(), 'kube-assets')
