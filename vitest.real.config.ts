import {defineConfig} from 'vitest/config'

// The real-Kubernetes suite: upstream binaries from `npm run kube-assets`, nodes as namespaces on
// this machine (root). One file at a time: the clusters share the bridge and the API port.
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    globalSetup: ['test/support/run-temp.ts'],
    setupFiles: ['test/support/file-temp.ts'],
    testTimeout: 900_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: {concurrent: false},
  },
})
