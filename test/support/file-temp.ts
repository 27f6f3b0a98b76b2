/** vitest setupFiles: each test file's temporary files under a directory of its own, removed after the file (see temp-root.ts). */
import {afterAll} from 'vitest'
import {enterTempRoot, removeTempRoot} from './temp-root.js'

const dir = enterTempRoot('file-')
afterAll(() => removeTempRoot(dir))
